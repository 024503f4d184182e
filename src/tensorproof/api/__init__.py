"""Public Python API of tensorproof: compile → prove → verify."""
