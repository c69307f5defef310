"""Rules about values, the refresher's lowest floor: the bounds a price must keep and how two
stated values compare (:mod:`~refresher.rules.sanity`), and how a provider first seen is
classified (:mod:`~refresher.rules.classify`). Adapters, the tree's validation and reconcile all
judge by them; they import only gate_consumer."""
