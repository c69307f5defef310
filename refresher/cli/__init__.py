"""``faimeta``: the command line of fusionAIze metadata.

One module per group of commands, each registering on the one Typer :data:`app`
(:mod:`refresher.cli.support`): the metadata tree (:mod:`~refresher.cli.tree_commands`), changing
it (:mod:`~refresher.cli.change_commands`), publishing it (:mod:`~refresher.cli.publish_commands`)
and reading the published catalog as Gate does (:mod:`~refresher.cli.consumer`). Importing this
package registers them all, so ``faimeta`` and ``python -m refresher.cli`` have the same commands.
"""

from refresher.cli import change_commands, consumer, publish_commands, tree_commands  # noqa: F401  (registers)
from refresher.cli.support import app

__all__ = ["app"]
