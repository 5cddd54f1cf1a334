"""Generated stubs of soundloom.v1: python -m soundloom_server.codegen."""
