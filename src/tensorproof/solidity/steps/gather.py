"""gather (verifier/layers/gather.py): one wiring record per source, in the step's input order.

The contract (``contracts/StepGather.sol``) evaluates each source's wiring predicate
a(z, ρ) = Σ_j eq(z, out_pos_j)·eq(ρ, in_pos_j) at the output's per-sample point z and the
sumcheck's point ρ as ``gather.wiring_weight`` does: where the plan attaches a closed form
(``gather.wiring_forms_of``: step.attrs["wiring_forms"], verifier/wiring_forms.py, attached by
lowering for exactly the step's wirings) by that form, in O(axis sizes); for a wiring
committed with the weights (verifier/wiring_commit.py: more than INLINE_WIRES wires and no
closed form) by the prover's value and its sumcheck, O(log #wires); else from the sparse
wires themselves, O(#wires) ≤ O(INLINE_WIRES) in calldata and gas (small reshapes that re-pad,
maxima over several axes).

Layout, per source: u8 route, then
- 0 sparse: u32 n | n × (u32 out_pos | u32 in_pos) (positions in the padded per-sample layouts);
- 1 patch (``PatchWiring``, im2col or pooling windows): 7 × (u8 offset | u8 bits), the
  coordinates of z_oh, z_ow, z_c, z_u in z and of ρ_c, ρ_h, ρ_w in ρ (``Layout.split``)
  | u32 C, H, W, KH, KW, s_h, s_w, pad_top, pad_left, OH, OW;
- 2 axis map (``AxisMap``: slice, concat, broadcast, a max over one axis): u8 rank | per output
  axis j: u8 z offset | u8 z bits | u8 ρ offset | u8 ρ bits (of input axis perm[j]) | u32 lo
  | u32 count | u32 offset | u32 step;
- 3 committed (``CommittedWiring``): u8 n_out | u8 n_in | u16 V id | n_in × u16 S_i ids.
The batch coordinates (the top ceil(log2 batch) of every point) are not encoded: the contract
splits them off with the circuit's batch.
"""

from __future__ import annotations

from ...verifier.layers.gather import wiring_forms_of
from ...verifier.layout import Layout
from ...verifier.wiring_commit import CommittedWiring
from ...verifier.wiring_forms import AxisMap, PatchWiring
from .fields import u8, u16, u32

SPARSE, PATCH, AXIS_MAP, COMMITTED = 0, 1, 2, 3
_PATCH_AXES = {"im2col": ("oh", "ow", "c", "u"), "windows": ("c", "oh", "ow", "u")}


def _coords(layout: Layout, axis: int) -> bytes:
    """u8 offset | u8 bits of `axis`'s coordinates in a point of `layout`."""
    sl = layout.axis_slice(axis)
    return u8(sl.start) + u8(sl.stop - sl.start)


def _sample_layout(plan, name: str) -> Layout:
    return Layout(tuple(plan.tensors[name].layout.shape[1:]))


def _check_layout(shape, layout: Layout, what: str) -> None:
    if Layout(tuple(shape)).n_vars != layout.n_vars:
        raise ValueError(f"gather: the wiring form's {what} shape {tuple(shape)} does not match "
                         f"the tensor's per-sample layout {layout.shape}")


def _sparse(wiring) -> bytes:
    out_pos, in_pos = wiring
    if len(out_pos) != len(in_pos):
        raise ValueError("gather: wires with unequal output and input positions")
    parts = [u8(SPARSE), u32(len(out_pos))]
    parts += [u32(int(o)) + u32(int(q)) for o, q in zip(out_pos, in_pos)]
    return b"".join(parts)


def _patch(form: PatchWiring) -> bytes:
    out_l, in_l = Layout(form.out_shape), Layout(form.in_shape)
    axes = _PATCH_AXES[form.kind]
    out = u8(PATCH)
    out += b"".join(_coords(out_l, axes.index(a)) for a in ("oh", "ow", "c", "u"))
    out += b"".join(_coords(in_l, a) for a in range(3))
    (c, h, w), (kh, kw), (sh, sw) = form.in_shape, form.kernel, form.strides
    top, left = form.pads[:2]
    oh, ow = form.out_hw
    return out + b"".join(u32(v) for v in (c, h, w, kh, kw, sh, sw, top, left, oh, ow))


def _axis_map(form: AxisMap) -> bytes:
    out_l, in_l = Layout(form.out_shape), Layout(form.in_shape)
    out = u8(AXIS_MAP) + u8(len(form.out_shape))
    for j, a in enumerate(form.perm):
        out += _coords(out_l, j) + _coords(in_l, a)
        out += b"".join(u32(v) for v in (form.lo[j], form.count[j], form.offset[j],
                                          form.step[j]))
    return out


def _committed(cw: CommittedWiring, ids) -> bytes:
    out = u8(COMMITTED) + u8(cw.n_out) + u8(cw.n_in)
    return out + b"".join(u16(ids[n]) for n in cw.names)


def encode(plan, step, ids) -> bytes:
    wirings = step.attrs["wirings"]
    forms = wiring_forms_of(step)
    if not len(step.inputs) == len(wirings) == len(forms):
        raise ValueError(f"gather {step.name!r}: {len(wirings)} wirings and {len(forms)} forms "
                         f"for {len(step.inputs)} sources")
    y_layout = _sample_layout(plan, step.output)
    out = []
    for src, wiring, form in zip(step.inputs, wirings, forms):
        if form is None:
            out.append(_sparse(wiring))
            continue
        if isinstance(form, CommittedWiring):
            out.append(_committed(form, ids))
            continue
        _check_layout(form.out_shape, y_layout, "output")
        _check_layout(form.in_shape, _sample_layout(plan, src), "input")
        if isinstance(form, PatchWiring):
            out.append(_patch(form))
        elif isinstance(form, AxisMap):
            out.append(_axis_map(form))
        else:
            raise TypeError(f"gather {step.name!r}: not a wiring form: {form!r}")
    return b"".join(out)
