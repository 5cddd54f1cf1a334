"""The pipeline's stages, in the order every front end reports them."""

STAGES = ("plan", "render", "mix", "master", "package", "encode")
