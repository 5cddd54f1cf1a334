"""Planners: backends that turn a described scene into a ScenePlan (Protocol in `base`, registry
in `engine.registry`): `rules` (embedded) and `llm` (a local instruct model)."""
