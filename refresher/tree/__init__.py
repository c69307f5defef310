"""The metadata tree on disk: its record schema (pydantic, and the JSON Schema made from it),
reading it (:mod:`~refresher.tree.store`, :mod:`~refresher.tree.index`), writing it in one
transaction (:mod:`~refresher.tree.transaction`) and checking it (:mod:`~refresher.tree.validate`,
:mod:`~refresher.rules.sanity`). The lowest floor of the refresher: it imports only gate_consumer."""
