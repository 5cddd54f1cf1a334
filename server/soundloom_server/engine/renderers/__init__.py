"""Renderers: backends that turn an Event into a Clip (Protocol in `base`, registry in
`engine.registry`): `procedural` (embedded), `diffusion` (neural), `clip` (a given clip)."""
