"""Goldilocks scalar arithmetic for numba code, as intrinsics: LLVM IR emitted at the call site.

These are the helpers numba kernels call (``kernels.py`` re-exports them): ``mul128``,
``reduce128``, ``fmul``, ``fadd``, ``fsub``, ``acc_add``, ``reduce192``, ``k2_prod``, ``k3_prod``,
``k_prod`` and ``fpow``, with the arithmetic of ``kernels.py``'s docstring, operation for
operation: the 64 x 64 -> 128-bit product from four 32 x 32 -> 64-bit limb products, reduction
with 2^64 = 2^32 - 1 and 2^96 = -1 (mod p), 192-bit accumulators reduced with 2^128 = -2^32,
schoolbook products in F[X]/(X^k - W). Arguments of any integer type are converted to uint64
(their bits, as numba's casts do). Callable from numba code only.

Why intrinsics (compile time of a cold first run): as ``@njit(inline="always")`` functions that
call one another, numba re-ran the front end of each helper at every call site, recursively: one
``k3_prod`` site cost ~40 nested pipeline runs (~3 s), and the sumcheck and GKR kernels had dozens.
Plain ``@njit`` helpers compile once but keep LLVM from vectorizing the elementwise kernels (each
helper is optimized alone first, into overflow intrinsics the loop vectorizer cannot widen). An
intrinsic costs microseconds per site and gives LLVM the straight-line code numba's inlining gave
(the same vectorized loops). ``k_prod`` and ``fpow`` are calls of one out-of-line copy per LLVM
module (``_outlined``): both products inlined at every site of the big kernels made LLVM's work
grow by seconds, and an unrolled 64-step exponentiation was 64 products per kernel.
"""

from __future__ import annotations

from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic

from .params import EPSILON, NONRESIDUE, P

_I64 = ir.IntType(64)
_U64 = types.uint64


def _c(v: int) -> ir.Constant:
    return ir.Constant(_I64, v)


_M32, _S32, _EPS, _P, _ZERO = _c(0xFFFFFFFF), _c(32), _c(EPSILON), _c(P), _c(0)


# ---- IR builders: (builder, i64 values) -> i64 values ---------------------------------------


def ir_mul128(b: ir.IRBuilder, x, y):
    """(hi, lo) with x y = hi 2^64 + lo."""
    a0, a1 = b.and_(x, _M32), b.lshr(x, _S32)
    b0, b1 = b.and_(y, _M32), b.lshr(y, _S32)
    ll, lh, hl = b.mul(a0, b0), b.mul(a0, b1), b.mul(a1, b0)
    mid = b.add(b.add(b.lshr(ll, _S32), b.and_(lh, _M32)), b.and_(hl, _M32))
    lo = b.or_(b.and_(ll, _M32), b.shl(mid, _S32))
    hi = b.add(b.add(b.add(b.mul(a1, b1), b.lshr(lh, _S32)), b.lshr(hl, _S32)),
               b.lshr(mid, _S32))
    return hi, lo


def ir_reduce128(b: ir.IRBuilder, hi, lo):
    """(hi 2^64 + lo) mod p, canonical."""
    hh = b.lshr(hi, _S32)
    t0 = b.sub(lo, hh)
    t0 = b.select(b.icmp_unsigned("<", lo, hh), b.sub(t0, _EPS), t0)  # borrowed 2^64 = EPS
    t1 = b.mul(b.and_(hi, _M32), _EPS)
    s = b.add(t0, t1)
    # A carry out (s < t1) loses 2^64 = EPS: s + EPS, which is s - P mod 2^64 and already < P
    # (s < t1 <= (2^32 - 1)^2); otherwise s - P iff s >= P. One select for both (LLVM derived
    # this form itself from numba's branches, not from two selects).
    wrap = b.or_(b.icmp_unsigned("<", s, t1), b.icmp_unsigned(">=", s, _P))
    return b.select(wrap, b.sub(s, _P), s)


def ir_fmul(b: ir.IRBuilder, x, y):
    return ir_reduce128(b, *ir_mul128(b, x, y))


def ir_fadd(b: ir.IRBuilder, x, y):
    s = b.add(x, y)
    wrap = b.or_(b.icmp_unsigned("<", s, x), b.icmp_unsigned(">=", s, _P))
    return b.select(wrap, b.sub(s, _P), s)


def ir_fsub(b: ir.IRBuilder, x, y):
    d = b.sub(x, y)
    return b.select(b.icmp_unsigned("<", x, y), b.add(d, _P), d)


def ir_acc_add(b: ir.IRBuilder, h2, h1, h0, x, y):
    """(h2, h1, h0) + x y as a 192-bit number."""
    hi, lo = ir_mul128(b, x, y)
    h0 = b.add(h0, lo)
    hi = b.add(hi, b.zext(b.icmp_unsigned("<", h0, lo), _I64))
    h1 = b.add(h1, hi)
    h2 = b.add(h2, b.zext(b.icmp_unsigned("<", h1, hi), _I64))
    return h2, h1, h0


def ir_reduce192(b: ir.IRBuilder, h2, h1, h0):
    """(h2 2^128 + h1 2^64 + h0) mod p, with 2^128 = -2^32 (mod p)."""
    return ir_fsub(b, ir_reduce128(b, h1, h0),
                   ir_reduce128(b, b.lshr(h2, _S32), b.shl(h2, _S32)))


def _dot(b: ir.IRBuilder, pairs):
    """sum of x y over the pairs, accumulated in 192 bits, reduced once."""
    h = (_ZERO, _ZERO, _ZERO)
    for x, y in pairs:
        h = ir_acc_add(b, *h, x, y)
    return ir_reduce192(b, *h)


def ir_k2_prod(b: ir.IRBuilder, a0, a1, b0, b1):
    """(a0 + a1 X)(b0 + b1 X) = a0 b0 + W a1 b1 + (a0 b1 + a1 b0) X, W = NONRESIDUE[2]."""
    c0 = ir_fadd(b, ir_fmul(b, a0, b0), ir_fmul(b, _c(NONRESIDUE[2]), ir_fmul(b, a1, b1)))
    return c0, _dot(b, [(a0, b1), (a1, b0)])


def ir_k3_prod(b: ir.IRBuilder, a0, a1, a2, b0, b1, b2):
    """Schoolbook product in F[X]/(X^3 - W), W = NONRESIDUE[3]: X^3 = W, X^4 = W X."""
    w = _c(NONRESIDUE[3])
    c0 = ir_fadd(b, ir_fmul(b, a0, b0), ir_fmul(b, w, _dot(b, [(a1, b2), (a2, b1)])))
    c1 = ir_fadd(b, _dot(b, [(a0, b1), (a1, b0)]), ir_fmul(b, w, ir_fmul(b, a2, b2)))
    return c0, c1, _dot(b, [(a0, b2), (a1, b1), (a2, b0)])


def ir_k_prod(b: ir.IRBuilder, a0, a1, a2, b0, b1, b2, k):
    """k = 2: (k2_prod, 0), else k3_prod: a branch on k, the product's code on each side."""
    with b.if_else(b.icmp_unsigned("==", k, _c(2))) as (then, otherwise):
        with then:
            p2 = (*ir_k2_prod(b, a0, a1, b0, b1), _ZERO)
            from2 = b.block
        with otherwise:
            p3 = ir_k3_prod(b, a0, a1, a2, b0, b1, b2)
            from3 = b.block
    out = []
    for x2, x3 in zip(p2, p3):
        phi = b.phi(_I64)
        phi.add_incoming(x2, from2)
        phi.add_incoming(x3, from3)
        out.append(phi)
    return tuple(out)


# ---- the intrinsics ---------------------------------------------------------------------------


def _typed(emit, n_out: int, *args):
    """(signature, codegen) of an intrinsic emitting ``emit`` on integer arguments, returning
    uint64 (n_out = 1) or a UniTuple of n_out; None (no match) for other argument types."""
    if not all(isinstance(a, types.Integer) for a in args):
        return None
    ret = _U64 if n_out == 1 else types.UniTuple(_U64, n_out)

    def codegen(context, builder, signature, llargs):
        vals = [context.cast(builder, v, t, _U64) for v, t in zip(llargs, signature.args)]
        out = emit(builder, *vals)
        return out if n_out == 1 else context.make_tuple(builder, ret, list(out))

    return ret(*args), codegen


def _outlined(b: ir.IRBuilder, name: str, n_out: int, emit, args):
    """A call of the function ``name`` (i64 arguments, n_out i64 results), defined in the
    builder's LLVM module on first use with the body ``emit(builder, *params)``: noinline and
    linkonce_odr (the copies of modules that numba links together merge, as numba's own NRT
    helpers do), so each module holds and optimizes one copy, however many call sites it has.
    The name carries a version: change it with the body (copies that merge must be equal)."""
    module = b.module
    ret_type = _I64 if n_out == 1 else ir.LiteralStructType([_I64] * n_out)
    try:
        fn = module.get_global(name)
    except KeyError:
        fn = ir.Function(module, ir.FunctionType(ret_type, [_I64] * len(args)), name)
        fn.linkage = "linkonce_odr"
        for attr in ("noinline", "nounwind", "readnone"):
            fn.attributes.add(attr)
        body = ir.IRBuilder(fn.append_basic_block("entry"))
        out = emit(body, *fn.args)
        if n_out == 1:
            body.ret(out)
        else:
            ret = ir.Constant(ret_type, ir.Undefined)
            for i, v in enumerate(out):
                ret = body.insert_value(ret, v, i)
            body.ret(ret)
    res = b.call(fn, args)
    return res if n_out == 1 else tuple(b.extract_value(res, i) for i in range(n_out))


def ir_k_prod_call(b: ir.IRBuilder, *args):
    """``ir_k_prod`` out of line (``_outlined``; a call costs a few ns)."""
    return _outlined(b, "tensorproof.field.k_prod.v1", 3, ir_k_prod, args)


def ir_fpow(b: ir.IRBuilder, a, e):
    """a^e by square-and-multiply from the least-significant bit of e while bits are left (0^0 =
    1): a loop whose trip count depends on e, which LLVM does not unroll."""
    entry = b.block
    loop = b.append_basic_block("fpow.loop")
    done = b.append_basic_block("fpow.done")
    b.branch(loop)
    b.position_at_end(loop)
    r, x, f = b.phi(_I64), b.phi(_I64), b.phi(_I64)
    r.add_incoming(_c(1), entry)
    x.add_incoming(a, entry)
    f.add_incoming(e, entry)
    bit = b.icmp_unsigned("!=", b.and_(f, _c(1)), _ZERO)
    r2 = b.select(bit, ir_fmul(b, r, x), r)
    x2 = ir_fmul(b, x, x)
    f2 = b.lshr(f, _c(1))
    r.add_incoming(r2, loop)
    x.add_incoming(x2, loop)
    f.add_incoming(f2, loop)
    b.cbranch(b.icmp_unsigned("!=", f2, _ZERO), loop, done)
    b.position_at_end(done)
    return r2


def ir_fpow_call(b: ir.IRBuilder, a, e):
    return _outlined(b, "tensorproof.field.fpow.v1", 1, ir_fpow, (a, e))


@intrinsic
def mul128(typingctx, a, b):
    """(hi, lo) with a * b = hi 2^64 + lo, from 32-bit limbs."""
    return _typed(ir_mul128, 2, a, b)


@intrinsic
def reduce128(typingctx, hi, lo):
    """(hi 2^64 + lo) mod p, canonical."""
    return _typed(ir_reduce128, 1, hi, lo)


@intrinsic
def fmul(typingctx, a, b):
    """a * b mod p."""
    return _typed(ir_fmul, 1, a, b)


@intrinsic
def fadd(typingctx, a, b):
    """a + b mod p (a, b < p)."""
    return _typed(ir_fadd, 1, a, b)


@intrinsic
def fsub(typingctx, a, b):
    """a - b mod p (a, b < p)."""
    return _typed(ir_fsub, 1, a, b)


@intrinsic
def acc_add(typingctx, h2, h1, h0, a, b):
    """(h2, h1, h0) + a * b as a 192-bit number."""
    return _typed(ir_acc_add, 3, h2, h1, h0, a, b)


@intrinsic
def reduce192(typingctx, h2, h1, h0):
    """(h2 2^128 + h1 2^64 + h0) mod p."""
    return _typed(ir_reduce192, 1, h2, h1, h0)


@intrinsic
def k2_prod(typingctx, a0, a1, b0, b1):
    """(a0 + a1 X)(b0 + b1 X) in K2."""
    return _typed(ir_k2_prod, 2, a0, a1, b0, b1)


@intrinsic
def k3_prod(typingctx, a0, a1, a2, b0, b1, b2):
    """(a0 + a1 X + a2 X^2)(b0 + b1 X + b2 X^2) in K3."""
    return _typed(ir_k3_prod, 3, a0, a1, a2, b0, b1, b2)


@intrinsic
def k_prod(typingctx, a0, a1, a2, b0, b1, b2, k):
    """(a0 + a1 X [+ a2 X^2]) (b0 + b1 X [+ b2 X^2]) in K2 (k = 2: a2, b2 ignored, c2 = 0) or K3,
    by a call of one out-of-line copy (``ir_k_prod_call``)."""
    return _typed(ir_k_prod_call, 3, a0, a1, a2, b0, b1, b2, k)


@intrinsic
def fpow(typingctx, a, e):
    """a^e mod p for a uint64 exponent (square-and-multiply; out of line, ``ir_fpow``)."""
    return _typed(ir_fpow_call, 1, a, e)
