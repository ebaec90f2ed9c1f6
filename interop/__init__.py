"""`make interop`: RAAS driven by an unmodified production client (see tools/interop.py)."""
