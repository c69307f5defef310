"""A refresh: payloads from the sources (fetched or replayed) reconciled with the tree into a new
tree, written if it validates. :mod:`~refresher.run.evidence_book` is the one place agreements
and disagreements are written, for a refresh, a manual review and observed usage alike."""
