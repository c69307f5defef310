"""What is published from the tree: the static ``v1/`` catalog with its manifest and feeds
(:mod:`~refresher.publish.build`), the site, and the files today's Gate reads."""
