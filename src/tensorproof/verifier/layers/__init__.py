"""verifier/layers layer of tensorproof (see docs/internals.md)."""
