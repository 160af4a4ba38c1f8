"""JSON Schemas shipped with imagepolicy (read with importlib.resources)."""
