"""verifier layer of tensorproof (see docs/internals.md)."""
