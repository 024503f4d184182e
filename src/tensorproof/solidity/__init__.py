"""The EVM verifier: Solidity contracts that mirror the Python verifier, their compiler harness
(npm ``solc`` through Node.js) and an in-process EVM (PyPI ``pyrevm``) for tests and gas.

A leaf layer: it imports the verifier's spec (field, transcript, verifier) and nothing of the
prover. The Solidity sources ship in ``contracts/``; compiling them needs Node.js and the npm
packages of the repository's ``package.json`` (``npm ci``).
"""
