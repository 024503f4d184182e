"""Polynomial commitment provers: ``RawPCS`` (sends the table) and ``LigeroPCS`` (tensor code).

Both expose commit(table) -> (Commitment, prover data), open(data, points, transcript) -> values
and verify(commitment, points, values, transcript) (inherited from the verifier classes); each
module's ``SCHEME`` is its entry in the scheme registry (``registry``).
"""

from .ligero import LigeroPCS, LigeroProverData
from .raw import RawPCS, RawProverData

__all__ = ["LigeroPCS", "LigeroProverData", "RawPCS", "RawProverData"]
