"""prover/pcs layer of tensorproof (see docs/internals.md)."""
