"""The embedded engine: plain functions over typed dataclasses, one module per stage."""
