"""``faimeta``: the command line of fusionAIze metadata.

One module per group of commands, each registering on the one Typer :data:`app`
(:mod:`refresher.cli.support`): the metadata tree (:mod:`~refresher.cli.tree_commands`), changing
it (:mod:`~refresher.cli.change_commands`), publishing it (:mod:`~refresher.cli.publish_commands`)
and reading the published catalog as Gate does (:mod:`~refresher.cli.consumer`). Importing this
package registers them all, so ``faimeta`` and ``python -m refresher.cli`` have the same commands.
"""

from importlib import import_module

from refresher.cli.support import app

__all__ = ["app"]

# in the order ``faimeta --help`` lists them
for _group in ("tree_commands", "change_commands", "publish_commands", "consumer"):
    import_module(f"{__name__}.{_group}")
