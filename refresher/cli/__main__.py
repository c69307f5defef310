"""``python -m refresher.cli``: the same command line as the ``faimeta`` script."""

from refresher.cli import app

app(prog_name="faimeta")
