// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {GF} from "./Field.sol";
import {MC} from "./ModelContext.sol";
import {Sumcheck} from "./Sumcheck.sol";

/// @title mul, mul_const (and matmul's product sumcheck): Y~(z) = Σ eq · A · B
/// @notice verifier/layers/mul.py and matmul.py; attributes (solidity/steps/mul.py): u8 n_sum
/// | u8 n_eq | n_eq × (u8 i, u8 j) | u8 n_a | n_a bytes | u8 n_b | n_b bytes, coordinates indexing
/// u = z ‖ ρ. The merged claim Y~(z) = v: a degree-3 sumcheck of v over n_sum variables (ρ);
/// "finals" a, b; a · b · Π eq(u_i, u_j) = the subclaim; inputs[0]~(u[map_a]) = a and
/// (inputs[1] or consts[0])~(u[map_b]) = b.
library StepMul {
    error ProductMismatch(uint256 step);

    uint256 internal constant HALF = 0x7fffffff80000001; // 1/2 mod p

    function verify(MC.Ctx memory c, uint256 i, MC.Step memory s) internal pure {
        (bool has, MC.Claim memory cl) = MC.take(c, s.output, MC.label(i, s, "merge"));
        if (!has) return;
        uint256 at = s.attrs;
        // The sumcheck of v run from the claim 0: the rounds are affine in the claim (s(1) = C − s(0);
        // the claim is never absorbed), so v's last value is this one plus v · Π ℓ1(r_j), with
        // ℓ1(r) = r(r − 2)(r − 3)/2 the Lagrange basis of node 1 on 0..3. Same transcript and
        // subclaim; Sumcheck.verify's copy specialized on (0, 3) serves requant and lookup too.
        (uint256[] memory rho, uint256 value) = Sumcheck.verify(c.t, 0, MC.u8(at), 3, MC.label(i, s, "sumcheck"));
        uint256 w = cl.value;
        for (uint256 j = 0; j < rho.length; j++) {
            uint256 r = rho[j];
            w = GF.kmul(w, GF.kmulBase(GF.kmul(GF.kmul(r, GF.ksub(r, 2)), GF.ksub(r, 3)), HALF));
        }
        value = GF.kadd(value, w);
        uint256[] memory fin = MC.recvK(c, MC.label(i, s, "finals"), 2);
        uint256[] memory u = MC.concat(cl.point, rho);
        uint256 e = GF.kmul(fin[0], fin[1]);
        uint256 n = MC.u8(at + 1);
        at += 2;
        for (uint256 j = 0; j < n; j++) {
            e = GF.kmul(e, GF.keq(u[MC.u8(at)], u[MC.u8(at + 1)]));
            at += 2;
        }
        if (e != value) revert ProductMismatch(i);
        uint256[] memory p;
        (p, at) = _point(u, at);
        MC.claim(c, s.inputs[0], p, fin[0]);
        (p, at) = _point(u, at);
        MC.claim(c, s.inputs.length > 1 ? s.inputs[1] : s.consts[0], p, fin[1]);
        if (at != s.attrs + s.attrsLen) revert MC.BadCircuit();
    }

    /// u8 n | n indices into u -> the point (u[idx_0], …), and the offset after it.
    function _point(uint256[] memory u, uint256 at) private pure returns (uint256[] memory p, uint256 end) {
        uint256 n = MC.u8(at);
        p = new uint256[](n);
        for (uint256 j = 0; j < n; j++) p[j] = u[MC.u8(at + 1 + j)];
        end = at + 1 + n;
    }
}
