"""Written by ``faimeta build``: the version of the snapshot bundled in this package."""

__version__ = "2026.11.20.405"
CATALOG_VERSION = "2026.11.20-f2faf30ca690"
