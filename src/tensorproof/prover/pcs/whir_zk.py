"""Prover of ``whir-zk``, the hiding WHIR commitment (mirrors ``verifier.pcs.whir_zk``, which
specifies the messages).

commit: T zero-padded to f^'s 2^m entries, its top 2^a the hiding region R (fresh uniform F
values; inside T's own zero tail when ``used`` leaves room, then written into the caller's
table, whose claims read it); the WHIR codeword of those m variables, its fibers' leaves
salted (fresh 32-byte salts).
open_forms: a fresh uniform K table G of m - shift variables (``blind_shift``: kappa,
one value per salted leaf; 0 for small tables, a fiber per leaf), its OOD answers, the cross
values, then WHIR's rounds on h = G(X^(2^shift)) + beta f^ (whir.py's prover: G's hypercube
values repeated 2^shift times, its coefficients at multiples of 2^shift) with round 0's leaves
read from both salted trees (one tree, G's fibers in f^'s leaves, for a joint commitment).
Randomness comes from a ``Randomness`` source (the OS CSPRNG by default; tests inject others),
never from the transcript. ``simulate_opening`` writes the same field messages from the
statement alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...errors import FieldError, KeyFileError, ProverError, VerificationError
from ...field.encoding import encode_k_array
from ...field.params import P
from ...field.sampling import OS_RANDOMNESS, Randomness
from ...field.vec import check_canonical, vec_field
from ...poly.mle import eq_table
from ...poly.ntt import rs_encode, rs_encode_ext
from ...verifier.pcs.commitment import Commitment, absorb_statement, normalize_points
from ...verifier.pcs.ligero_zk import SALT_BYTES
from ...verifier.pcs.whir import BatchLayout, commitment_ood_points, pad_point, whir_schedule
from ...verifier.pcs.whir_fold import fiber_leaf_bytes, fiber_view, sum_rows
from ...verifier.pcs.whir_zk import (
    BETA,
    CROSS,
    FIBERS,
    MASK_OOD,
    MASK_ROOT,
    MERKLE,
    PUBLIC_BETA,
    PUBLIC_CROSS,
    PUBLIC_TAG,
    SALTS,
    SUBTREE,
    LinearForm,
    WhirZkParams,
    WhirZkVerifier,
    absorb_forms_statement,
    blind_shift,
    blind_tail,
    bundle_positions,
    bundle_split,
    claim_layout,
    embed,
    embedded_lanes,
    joint,
    mask_vars,
    normalize_forms,
    ood_layout,
    place_public,
    public_fits_at,
    public_layout,
    public_points,
    region_start,
    region_vars,
    root_words,
    run_size,
    table_vars,
    whir_zk_params,
)
from ..merkle import MerkleTree, hash_leaves
from .ligero import check_table
from .whir import (
    WhirPCS,
    WhirProverData,
    _evaluate_univariate,
    _mle,
    _send_leaves,
    add_embedded,
    moebius,
    tree_of,
)


@dataclass(frozen=True, eq=False)
class WhirZkProverData:
    """What the prover keeps: f^'s hypercube values (T padded, R on top), its coefficients,
    codeword, leaf salts, salted tree and ``opened`` (a (1,) uint64 count of the openings
    made: ``leak_bound`` covers ``openings`` of them); a joint commitment (one opening) also
    G's table, coefficients and codeword (``blind``), the variables of the run it was made
    for (``run``: f^'s own, or a larger one's, ``embedded_run``) and in a larger run the
    forest of G's sub-trees (``subtrees``, one per leaf of f^'s tree: ``bundle_subtrees``)."""

    commitment: Commitment
    table: np.ndarray
    coeffs: np.ndarray
    codeword: np.ndarray
    salts: np.ndarray
    tree: MerkleTree
    opened: np.ndarray
    blind: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    run: int | None = None
    subtrees: MerkleTree | None = None


@dataclass(frozen=True, eq=False)
class _Salted:
    """A committed table of round 0: coefficients (F, or K as (N, k)), codeword, salts, tree."""

    coeffs: np.ndarray
    codeword: np.ndarray
    salts: np.ndarray
    tree: MerkleTree


def _k_table(kv, table: np.ndarray) -> np.ndarray:
    return table if table.ndim == 2 else kv.from_base(table)


def form_values(kv, table: np.ndarray, forms: Sequence[tuple[list, list]], m: int,
                skip: int = 0, delta: int = 0) -> list[tuple[int, ...]]:
    """sum_l c_l X~(0^delta, z_l, 0) of an F or K table X of m + delta - skip variables for
    each normalized form (points of m coordinates after padding, behind ``delta`` zeros in a
    larger run), X read as a table of m + delta variables that does not vary with the first
    ``skip`` (G; a public table: its own shift)."""
    evals = _k_table(kv, table)
    out = []
    for coefs, pts in forms:
        lifted = embed(np.array([pad_point(z, m, kv.k) for z in pts], dtype=np.uint64), delta)
        vals = np.array([_mle(kv, evals, p[skip:]) for p in lifted], dtype=np.uint64)
        total = kv.mul(np.array(coefs, dtype=np.uint64).reshape(-1, kv.k), vals.reshape(-1, kv.k))
        out.append(tuple(int(x) for x in sum_rows(kv, total[None])[0]))
    return out


class WhirZkPCS(WhirZkVerifier):
    """commit / open_forms / verify of whir-zk with the given params and randomness source."""

    def __init__(self, params: WhirZkParams | None = None,
                 randomness: Randomness = OS_RANDOMNESS) -> None:
        super().__init__(params)
        self.randomness = randomness
        self._whir = WhirPCS(self.params)

    # the draws of fresh randomness (tests override them to break zero knowledge)
    def _mask(self, size: int) -> np.ndarray:
        """R: f^'s hiding region, ``size`` uniform F values."""
        return self.randomness.f_vector(size)

    def _blind(self, size: int) -> np.ndarray:
        """G: ``size`` uniform K values, (size, k)."""
        return self.randomness.f_vector(size * self.k).reshape(size, self.k)

    def _salts(self, n: int) -> np.ndarray:
        raw = self.randomness.bytes(n * SALT_BYTES)
        return np.frombuffer(raw, dtype=np.uint8).reshape(n, SALT_BYTES).copy()

    def _salted(self, coeffs: np.ndarray, tail: np.ndarray | None = None,
                tail_folding: int = 0) -> _Salted:
        """Encode F coefficients and build the salted tree over the fibers (each leaf followed
        by ``tail``'s: a joint commitment's G codeword, or its sub-trees' roots in a larger
        run, ``tree_of``)."""
        prm = self.params
        codeword = rs_encode(coeffs, 1 << prm.log_inv_rate)
        salts = self._salts(len(codeword) >> prm.folding)
        return _Salted(coeffs, codeword, salts,
                       tree_of(codeword, prm.folding, salts, tail, tail_folding))

    def _salted_values(self, codeword: np.ndarray, fold: int) -> _Salted:
        """G's own salted tree (one opening of several): G's fiber of 2^fold K values per
        leaf (one value, or a whole fiber when ``mask_shift`` is 0)."""
        salts = self._salts(len(codeword) >> fold)
        return _Salted(codeword, codeword, salts, tree_of(codeword, fold, salts))

    def _blind_table(self, m: int, run: int | None = None
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A fresh G for an f^ of m variables (in runs of ``run``): its table, coefficients
        and codeword."""
        prm, k = self.params, self.k
        g_table = self._blind(1 << mask_vars(prm, m, run))
        coeffs = np.stack([moebius(np.ascontiguousarray(g_table[:, c])) for c in range(k)],
                          axis=1)
        return g_table, coeffs, rs_encode_ext(coeffs, 1 << prm.log_inv_rate)

    def commit(self, table: np.ndarray, used: int | None = None, run: int | None = None
               ) -> tuple[Commitment, WhirZkProverData]:
        """Commit to an F table of length 2^n whose entries from ``used`` on are zero (the
        caller then absorbs/sends the commitment); a joint commitment (one opening) commits
        its G in the same leaves, sized for runs of ``run`` variables (``embedded_run``; f^'s
        own by default). When f^ has T's own size (``table_vars``) the region R is written
        into ``table`` itself: the caller's claims on T then read it."""
        n = check_table(table)
        prm = self.params
        if run is not None and not joint(self.zk):
            raise ProverError("whir-zk: only a joint commitment is made for a larger run")
        try:
            m = table_vars(self.zk, n, used, run)
        except ValueError as e:
            raise ProverError(f"{e}") from None
        size = run_size(m, run)
        whir_schedule(prm, size)  # the size is supported at this level
        start = region_start(self.zk, n, m, run)
        if used is not None and table[used:].any():
            raise ProverError(f"whir-zk: the table's entries past its {used} used ones must be "
                              "zero (the hiding region lies there)")
        if m == n:
            hat = table
        else:
            hat = np.zeros(1 << m, dtype=np.uint64)
            hat[: len(table)] = table
        hat[start:] = self._mask((1 << m) - start)
        kv = vec_field(self.k)
        subtrees = None
        if joint(self.zk) and size > m:  # the roots of G's sub-trees in f^'s leaves
            blind = self._blind_table(m, run)
            subtrees = bundle_subtrees(blind[2], size - m)
            com = self._salted(moebius(hat), root_words(subtrees.levels[-1]))
        elif joint(self.zk):  # G's values at 2^blind_tail of h's leaves a leaf
            blind = self._blind_table(m, run)
            com = self._salted(moebius(hat), blind[2], blind_tail(prm, m, run))
        else:
            com, blind = self._salted(moebius(hat)), None
        ys = commitment_ood_points(com.tree.root, m, prm)
        answers = _evaluate_univariate(kv, kv.from_base(com.coeffs), ys)
        if blind is not None:  # then G's answers at its own points
            g_y = commitment_ood_points(com.tree.root, mask_vars(prm, m, run), prm)
            answers = np.concatenate([answers, _evaluate_univariate(kv, blind[1], g_y)])
        commitment = Commitment(root=com.tree.root, n_vars=n, extra=encode_k_array(answers))
        return commitment, WhirZkProverData(commitment, hat, com.coeffs, com.codeword,
                                            com.salts, com.tree, np.zeros(1, dtype=np.uint64),
                                            blind, run, subtrees)

    def open(self, data: WhirZkProverData, points: Sequence[Sequence[Any]],
             transcript: Any) -> list[tuple[int, ...]]:
        """Point claims: one form of one term each; returns T~(z_j)."""
        one = (1,) + (0,) * (self.k - 1)
        return self.open_forms(data, [LinearForm((one,), (tuple(z),)) for z in points],
                               transcript)

    def open_forms(self, data: WhirZkProverData, forms: Sequence[LinearForm], transcript: Any,
                   block: int | None = None,
                   public: tuple[WhirProverData, Sequence[Any]] | None = None
                   ) -> list[tuple[int, ...]]:
        """Write the opening of ``forms`` (steps 0-4 of the spec) and, batched, ``public``'s
        claim (a plain WHIR table's data and its point: the spec's "Public table"); return
        the forms' values. ``block``: the opening's number, reserved by the caller (private
        weights: prover/keyfile.reserve_block); default: the next. ProverError past
        ``openings``. Soundness: the caller must have absorbed ``data.commitment`` (and the
        public table's) before this call."""
        prm, k = self.params, self.k
        kv = vec_field(k)
        n = data.commitment.n_vars
        extra = 0 if public is None else public_points(prm)
        terms = normalize_forms(forms, n, k, prm.ood + extra)
        m = len(data.table).bit_length() - 1  # f^'s size, fixed at commit (``table_vars``)
        if data.table.shape != (1 << m,):
            raise ProverError("whir-zk: the prover data does not match the commitment's size")
        block = int(data.opened[0]) if block is None else block
        if not 0 <= block < self.zk.openings or (data.blind is not None and data.opened[0]):
            raise ProverError(f"whir-zk: this commitment's {self.zk.openings} zero-knowledge "
                              "opening(s) are used; another would reveal the table")
        data.opened[0] = max(int(data.opened[0]), block + 1)  # spent, whatever happens next
        values = form_values(kv, data.table, terms, m)
        run = data.run
        size = run_size(m, run)
        absorb_forms_statement(transcript, self.zk, n, terms, values, size)
        pub = (None if public is None
               else self._public_statement(transcript, *public, n, m, size))
        sch = whir_schedule(prm, size)
        kappa, shift, delta = prm.folding, blind_shift(prm, m, run), size - m
        mg = size - shift  # G(X^(2^shift)); f^(X^(2^delta)) in a larger run
        f_y = commitment_ood_points(data.commitment.root, m, prm)
        if data.blind is not None:  # joint: G committed with f^, its answers in the commitment
            g_table, g_coeffs, g_codeword = data.blind
            g_y = commitment_ood_points(data.commitment.root, mg, prm)
        else:
            g_table, g_coeffs, g_codeword = self._blind_table(m)
            g = self._salted_values(g_codeword, kappa - shift)
            transcript.send_bytes(MASK_ROOT, g.tree.root)
            g_y = commitment_ood_points(g.tree.root, mg, prm)
            transcript.send_k(MASK_OOD, _evaluate_univariate(kv, g_coeffs, g_y), k)
        f_evals = kv.from_base(data.table)
        ood = ood_layout(kv, m, f_y, g_y, shift, delta)
        f_y_lifted = f_y  # G(X^(2^shift)) at f^'s OOD points: G at y^(2^(shift - delta))
        for _ in range(shift - delta):
            f_y_lifted = kv.square(f_y_lifted)
        cross = np.concatenate([
            np.array(form_values(kv, g_table, terms, m, shift, delta),
                     dtype=np.uint64).reshape(-1, k),
            _evaluate_univariate(kv, g_coeffs, f_y_lifted),
            np.array([_mle(kv, f_evals, p[delta:]) for p in ood[len(f_y):]],
                     dtype=np.uint64).reshape(-1, k)])
        transcript.send_k(CROSS, cross, k)
        all_pts, layout = claim_layout(kv, terms, m, ood, delta)
        if pub is not None:  # P at the forms and both OOD sets; G, then f^, at P's points
            transcript.send_k(PUBLIC_CROSS, np.concatenate([
                np.array(form_values(kv, pub.data.table, terms, m, pub.shift, delta),
                         dtype=np.uint64).reshape(-1, k),
                np.array([_mle(kv, pub.evals, p[pub.shift:]) for p in ood],
                         dtype=np.uint64).reshape(-1, k),
                np.array([_mle(kv, g_table, p[shift:]) for p in pub.points],
                         dtype=np.uint64).reshape(-1, k),
                np.array([_mle(kv, f_evals, p[delta:]) for p in pub.points],
                         dtype=np.uint64).reshape(-1, k)]), k)
            all_pts, layout = public_layout(kv, all_pts, layout, pub.points)
        beta = tuple(transcript.challenge_k(BETA, k))
        beta_p = None if pub is None else tuple(transcript.challenge_k(PUBLIC_BETA, k))
        evals = np.repeat(g_table, 1 << shift, axis=0)  # G_ext, then + beta f^_ext
        coeffs = kv.zeros(1 << size)  # G(X^(2^shift))'s coefficients: G's at multiples of 2^shift
        coeffs[:: 1 << shift] = g_coeffs
        evals = add_embedded(kv, evals, coeffs, data.table, f_evals, delta, beta, data.coeffs)
        if pub is not None:  # + beta' P_ext (P(X^(2^Delta)): whir.py's batch embedding)
            evals = add_embedded(kv, evals, coeffs, pub.data.table, pub.evals, pub.shift,
                                 beta_p)
        lanes = embedded_lanes(prm, size, m, shift)

        def send0(idx: np.ndarray) -> None:
            # f^'s leaves h's queries read (idx: delta 0); in a larger run shift = kappa, and
            # a query's lanes read one G value (embedded_lanes)
            leaves, slot, _, g_pos = lanes(idx)
            if data.blind is not None:  # joint: f^'s fibers, G's values, salts, one tree
                transcript.send_f(FIBERS, fiber_view(data.codeword, kappa)[leaves].reshape(-1))
                sub_depth = 0
                if data.subtrees is None:  # every G value of the leaf
                    g_sent = fiber_view(g_codeword, blind_tail(prm, m, run))[leaves]
                else:  # the sub-tree leaves the queries read (then their sub-trees' nodes)
                    lo, sub_depth = bundle_split(delta)
                    pos = bundle_positions(leaves[slot], g_pos[:, 0], delta)
                    g_sent = fiber_view(g_codeword, delta)[pos >> sub_depth].reshape(
                        len(pos), 1 << sub_depth, 1 << lo, k)[np.arange(len(pos)),
                                                              pos & ((1 << sub_depth) - 1)]
                transcript.send_k(FIBERS, g_sent.reshape(-1, k), k)
                transcript.send_bytes(SALTS, data.salts[leaves].tobytes())
                if sub_depth:
                    transcript.send_bytes(SUBTREE, data.subtrees.open_multi_bytes(pos))
                transcript.send_bytes(MERKLE, data.tree.open_multi_bytes(leaves))
                send_public(idx)
                return
            for codeword, salts, tree, fold in ((g_codeword, g.salts, g.tree, kappa - shift),
                                                (data.codeword, data.salts, data.tree, kappa)):
                fibers = fiber_view(codeword, fold)[leaves]
                if codeword.ndim == 1:
                    transcript.send_f(FIBERS, fibers.reshape(-1))
                else:
                    transcript.send_k(FIBERS, fibers.reshape(-1, k), k)
                transcript.send_bytes(SALTS, salts[leaves].tobytes())
                transcript.send_bytes(MERKLE, tree.open_multi_bytes(leaves))
            send_public(idx)

        def send_public(idx: np.ndarray) -> None:
            if pub is not None:
                p_leaves, _, _ = pub.layout.leaf_map(1, idx)
                _send_leaves(transcript, pub.data.codeword, pub.data.tree, p_leaves, kappa)

        self._whir._prove_rounds(kv, transcript, sch, all_pts, evals, coeffs, send0, layout)
        return values

    def _public_statement(self, transcript: Any, data: WhirProverData, point: Sequence[Any],
                          n: int, m: int, size: int) -> _ProverPublic:
        """The verifier's ``_public_statement``: absorb P's claim, lay out its points."""
        prm, k = self.params, self.k
        com = data.commitment
        if not public_fits_at(self.zk, size, com.n_vars):
            raise ProverError("whir-zk: the public table cannot be batched into this opening")
        kv = vec_field(k)
        (z,) = normalize_points([point], com.n_vars, k)
        evals = kv.from_base(data.table)
        value = _mle(kv, evals, pad_point(z, whir_schedule(prm, com.n_vars).n_vars, k))
        absorb_statement(transcript, PUBLIC_TAG + prm.to_bytes() + com.root, com.n_vars, k,
                         [z], [value])
        try:
            layout, pts, _ = place_public(transcript, prm, com, z, m,
                                          region_vars(self.zk, n, m, size), size)
        except VerificationError as e:
            raise ProverError(f"{e}: draw again (probability (1 + s)/|K|)") from None
        return _ProverPublic(data, evals, layout, pts)


@dataclass(frozen=True, eq=False)
class _ProverPublic:
    """A batched public table: its data, its values lifted to K, layout (verifier's
    ``_Public``) and points in h (claim, then OOD)."""

    data: WhirProverData
    evals: np.ndarray
    layout: BatchLayout
    points: np.ndarray

    @property
    def shift(self) -> int:
        """Delta: the variables of h that P_ext does not vary with."""
        return self.layout.shift[1]


def bundle_subtrees(g_codeword: np.ndarray, delta: int) -> MerkleTree:
    """G's sub-trees in a run larger than f^ by ``delta`` (verifier module docstring,
    "Embedded in a larger run"): for each leaf j of f^'s tree a Merkle tree over G's 2^delta
    values there (codeword indices j + i N_f), 2^lo values a leaf (``bundle_split``), all of
    them one forest whose last level holds the roots, leaf j's at j."""
    lo, depth = bundle_split(delta)
    fibers = fiber_view(g_codeword, delta)  # (N_f, 2^delta, k): row j = leaf j's values
    leaves = fibers.reshape(-1, 1 << lo, g_codeword.shape[1])  # leaf-major (copies the view)
    return MerkleTree.over_hashes(hash_leaves(fiber_leaf_bytes(leaves)), depth)


def _form_rows(k: int, n: int, forms: Sequence[LinearForm], values: Sequence[Any]
               ) -> tuple[list[np.ndarray], list[int]]:
    """The forms as k F-linear equations each on a table of 2^n entries: rows, right sides."""
    kv = vec_field(k)
    rows, rhs = [], []
    for (coefs, pts), v in zip(normalize_forms(forms, n, k), values):
        w = kv.zeros(1 << n)
        for c, z in zip(coefs, pts):
            w = kv.add(w, eq_table(kv, z, scale=c))
        for c in range(k):
            rows.append(np.asarray(w)[:, c] if k > 1 else np.asarray(w))
            rhs.append(int(v[c]) if k > 1 else int(v if np.isscalar(v) else v[0]))
    return rows, rhs


def consistent_table(k: int, n: int, forms: Sequence[LinearForm], values: Sequence[Any],
                     rng: np.random.Generator, free: tuple[int, int] | None = None,
                     start: np.ndarray | None = None, base: np.ndarray | None = None
                     ) -> np.ndarray:
    """A table of 2^n F values with the given form values, uniform on the tables that have
    them (a uniform start, moved onto them by a fixed affine map): the simulator's stand-in
    witness. ``free`` = (lo, hi): only those entries vary, the others are ``base``'s (0 by
    default); ``start``: their uniform starting values (default drawn from ``rng``). Solves
    the k J F-linear equations over the free coordinates."""
    from ...field import npfield
    from ...field.linalg import particular_solution

    lo, hi = (0, 1 << n) if free is None else free
    table = np.zeros(1 << n, dtype=np.uint64) if base is None else base.copy()
    table[lo:hi] = 0
    rows, rhs = _form_rows(k, n, forms, values)
    part = rng.integers(0, P, hi - lo, dtype=np.uint64) if start is None else start
    fixed = [int(npfield.fsum(npfield.fmul(row, table))) for row in rows]
    shift = [(r - f - int(npfield.fsum(npfield.fmul(row[lo:hi], part)))) % P
             for row, r, f in zip(rows, rhs, fixed)]  # a few dozen equations
    try:
        x = particular_solution([row[lo:hi] for row in rows], shift, hi - lo)
    except ValueError:
        raise ValueError("whir-zk simulator: the form values are inconsistent") from None
    table[lo:hi] = npfield.fadd(part, np.array(x, dtype=np.uint64))
    return table


class _SolvedRegion(WhirZkPCS):
    """whir-zk whose region R is drawn, then moved onto the regions that give the simulator's
    form values (with its stand-in T elsewhere): uniform on them."""

    def __init__(self, params: WhirZkParams, randomness: Randomness, solve: Any):
        super().__init__(params, randomness)
        self.solve = solve

    def _mask(self, size: int) -> np.ndarray:
        return self.solve(super()._mask(size))


def simulate_opening(params: WhirZkParams, n: int, forms: Sequence[LinearForm],
                     values: Sequence[Any], transcript: Any,
                     randomness: Randomness = OS_RANDOMNESS, seed: int | None = None,
                     public: tuple[WhirProverData, Sequence[Any]] | None = None,
                     used: int | None = None, on_commit: Any = None, run: int | None = None
                     ) -> Commitment:
    """The witness-free simulator: commit to a stand-in table with the same form values and
    open it (returns the stand-in's commitment: the view's first message), with the batched
    ``public`` table, which is public: the simulator has it. Its field messages have the real
    opening's law (the module docstring of the verifier: the view depends on the table only
    through the values); its Merkle paths are against the stand-in's root (in the
    random-oracle model the simulator programs them). Where the region lies inside T
    (``used`` leaves room) the forms may read R: the stand-in T has the values of the forms
    that do not (uniform on those tables: their values are functionals of T the caller
    reveals by design), and R is uniform on the regions that give the others'. ``run``: the
    commitment's run, as the real one's (``embedded_run``)."""
    m = table_vars(params, n, used, run)
    rng = np.random.default_rng(seed)
    top = 1 << n if used is None else used
    if m > n:
        table = consistent_table(params.k, n, forms, values, rng, (0, top))
        pcs = WhirZkPCS(params, randomness)
    else:  # the forms that never read R fix a stand-in T; R then gives the others' values
        lo = region_start(params, n, m, run)
        rows, _ = _form_rows(params.k, n, forms, values)
        k = params.k
        free = [j for j in range(len(forms)) if not any(r[lo:].any() for r in rows[j * k:
                                                                                  (j + 1) * k])]
        table = (consistent_table(k, n, [forms[j] for j in free], [values[j] for j in free],
                                  rng, (0, top)) if free else np.zeros(1 << n, dtype=np.uint64))
        pcs = _SolvedRegion(params, randomness, lambda r0: consistent_table(
            k, n, forms, values, rng, (lo, 1 << n), r0, table)[lo:])
    commitment, data = pcs.commit(table, used, run)
    if on_commit is not None:  # e.g. absorb it, as a caller absorbs a real commitment
        on_commit(commitment)
    pcs.open_forms(data, forms, transcript, public=public)
    return commitment


# ---- the registry entry (prover/pcs/registry.py) and its .tpk codec --------------------------


class WhirZkCodec:
    """Arrays ``hat`` (f^'s hypercube values: T padded, R on top), ``salts``, ``opened`` and
    ``tree0..D``. Decoding checks the shapes, that T's part is the key's table, that R is
    canonical, the count within the budget and that the tree's levels hash up to the
    commitment's root; the codeword is recomputed. R and the salts are trusted against the
    leaves as in ``WhirCodec`` (the prover's own data, under the file's checksum: a wrong
    value only makes the verifier reject)."""

    def encode(self, data: WhirZkProverData) -> dict[str, np.ndarray]:
        if data.blind is not None:
            raise ProverError("a joint whir-zk commitment (one opening: the advice's) is made "
                              "per proof; a key never stores one")
        return {"hat": data.table, "salts": data.salts, "opened": data.opened,
                **{f"tree{i}": level for i, level in enumerate(data.tree.levels)}}

    def decode(self, commitment: Commitment, table: np.ndarray,
               arrays: Mapping[str, np.ndarray], config: dict) -> WhirZkProverData:
        params = whir_zk_params(config)
        if joint(params):
            raise KeyFileError("the proving key's model commitment has a budget of one opening "
                               "(joint whir-zk commitments are per proof)")
        prm = params.whir
        try:
            m = table_vars(params, commitment.n_vars)
        except ValueError as e:
            raise KeyFileError(f"the proving key's model commitment: {e}") from None
        hat, salts, opened = arrays.get("hat"), arrays.get("salts"), arrays.get("opened")
        leaves = 1 << (m + prm.log_inv_rate - prm.folding)
        shapes = ((hat, (1 << m,), np.uint64), (salts, (leaves, SALT_BYTES), np.uint8),
                  (opened, (1,), np.uint64))
        if any(not isinstance(a, np.ndarray) or a.shape != shape or a.dtype != dtype
               for a, shape, dtype in shapes):
            raise KeyFileError("the proving key's commitment data has the wrong shape")
        if int(opened[0]) > params.openings:
            raise KeyFileError("the proving key's opening count exceeds its budget")
        try:
            check_canonical(hat)
        except FieldError:
            raise KeyFileError("the proving key's commitment randomness is not canonical") \
                from None
        start = region_start(params, commitment.n_vars, m)
        padded = np.zeros(start, dtype=np.uint64)
        padded[: len(table)] = table
        if len(table) > start or not np.array_equal(hat[:start], padded):
            raise KeyFileError("the proving key's hiding table is not its committed weights")
        coeffs = moebius(hat)
        codeword = rs_encode(coeffs, 1 << prm.log_inv_rate)
        depth = m + prm.log_inv_rate - prm.folding
        levels = [arrays.get(f"tree{i}") for i in range(depth + 1)]
        tree = MerkleTree.checked(levels, leaves, commitment.root)
        return WhirZkProverData(commitment, hat, coeffs, codeword, salts.copy(), tree,
                                opened.copy())


class WhirZkScheme:
    """whir-zk in the registry: the prover of a configuration and the .tpk codec."""

    codec = WhirZkCodec()

    def prover(self, config: dict) -> WhirZkPCS:
        return WhirZkPCS(whir_zk_params(config))


SCHEME = WhirZkScheme()
