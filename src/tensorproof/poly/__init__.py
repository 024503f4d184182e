"""poly layer of tensorproof (see docs/internals.md)."""
