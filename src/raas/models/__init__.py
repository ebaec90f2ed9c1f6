"""The domain: frozen dataclasses and pure functions, no I/O."""
