// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {GF} from "./Field.sol";
import {FS} from "./Transcript.sol";
import {FSL} from "./Labels.sol";
import {MC} from "./ModelContext.sol";
import {Results} from "./Results.sol";
import {ILookupsExecutor, IStepExecutor} from "./StepExecutors.sol";

interface IOpening {
    function continueOpening(
        bytes32 state,
        bytes memory params,
        uint256[] memory config,
        bytes calldata commitments,
        uint256[] memory counts,
        uint256[] memory points,
        uint256[] memory values,
        bytes calldata rest
    ) external pure returns (bool);
}

/// @title The generic model verifier: one contract for every model, the model as data
/// @notice Mirrors tensorproof.verifier.verify.verify step by step over the circuit data of
/// solidity/circuit.py (its docstring is the byte layout): the statement (protocol, model id,
/// field degree and batch, every public tensor, in range), the per-proof commitments, the
/// lookups, a random point on each public output, every step from the last, the claims merged
/// per commitment group, and the groups' WHIR opening, which the opening contract
/// (WhirOpeningVerifier.continueOpening) checks from this transcript state to the proof's last
/// byte. The model id must be keccak256(u16 version ‖ model commitment ‖ key hash)
/// (VerifyingKey.model_id), so the circuit's model commitment is the model id's. Returns the batch's results root (Results.sol).
contract ModelVerifier {
    error BadMagic();
    error BadStatement();
    error OutOfRange(uint256 tensor);
    error PassThroughMismatch(uint256 tensor);
    error ModelIdMismatch();
    error EmptyGroupClaimed(uint256 group);
    error OpeningRejected();
    error UnknownStep(uint256 step);

    bytes8 internal constant MAGIC = "TPCIRC01";
    uint256 internal constant L_PROTOCOL = uint256(bytes32("protocol")) | 8;
    uint256 internal constant L_MODEL_ID = uint256(bytes32("model id")) | 8;
    uint256 internal constant L_CONFIG = uint256(bytes32("config")) | 6;
    uint256 internal constant L_INPUT = uint256(bytes32("input")) | 5;
    uint256 internal constant L_OUTPUT = uint256(bytes32("output")) | 6;

    address public immutable opening;
    address public immutable lookups;
    address public immutable stepsA;
    address public immutable stepsB;
    address public immutable stepsC;

    /// The WHIR opening verifier (WhirOpeningVerifier), the lookups' executor (LookupsExecutor)
    /// and the step executors (StepsA, StepsB, StepsC): contracts of their own (EIP-170).
    constructor(address opening_, address lookups_, address stepsA_, address stepsB_, address stepsC_) {
        opening = opening_;
        lookups = lookups_;
        stepsA = stepsA_;
        stepsB = stepsB_;
        stepsC = stepsC_;
    }

    /// What the header and the groups give the last phase.
    struct Run {
        uint256 off; // calldata cursor in the circuit
        uint256 circEnd;
        bytes params;
        uint256 nGroups;
        uint256[] groupName; // calldata offsets (u16 len | name)
        bytes[] commitment;
        uint256 batchWords; // calldata offset of the batch config (u16 n | u32 words)
        uint256[] singleWords; // per group
        uint256 nInputs;
        uint256[] sliceBytes;
        bytes32 modelId;
        bytes32 keyHash;
        uint256 version;
        uint256 circ; // calldata offsets of the circuit, the statement and the proof
        uint256 stmt;
        uint256 proof;
    }

    function verifyCircuit(bytes calldata circuit, bytes calldata statement, bytes calldata proof)
        external
        view
        returns (bytes32)
    {
        MC.Ctx memory c;
        Run memory run;
        run.stmt = _offset(statement);
        run.proof = _offset(proof);
        c.t = FS.init("tensorproof/inference/v1", proof);
        _header(c, run, circuit);
        _tensors(c, run);
        _statement(c, run, statement);
        _groups(c, run);
        c = _lookups(c, run, circuit, statement, proof);
        _outputs(c, run);
        c = _steps(c, run, circuit, statement, proof);
        MC.checkReduced(c);
        _open(c, run, proof);
        return Results.rootOfSamples(statement, c.batch, run.sliceBytes, run.nInputs);
    }

    function _header(MC.Ctx memory c, Run memory run, bytes calldata circuit) private pure {
        uint256 off = _offset(circuit);
        run.circ = off;
        run.circEnd = off + circuit.length;
        if (circuit.length < 8 + 32 + 4 + 1 + 2 + 32 + 2 || bytes8(circuit[0:8]) != MAGIC) revert BadMagic();
        bytes32 modelId = bytes32(circuit[8:40]);
        c.batch = MC.u32(off + 40);
        uint256 k = MC.u8(off + 44);
        if (k != 3 || c.batch == 0) revert MC.BadCircuit();
        uint256 version = MC.u16(off + 45);
        bytes32 keyHash = bytes32(circuit[47:79]);
        uint256 pLen = MC.u16(off + 79);
        run.params = circuit[81:81 + pLen];
        run.off = off + 81 + pLen;
        FS.absorbPublic(c.t, L_PROTOCOL, abi.encodePacked(uint16(version)));
        FS.absorbPublic(c.t, L_MODEL_ID, abi.encodePacked(modelId));
        FS.absorbPublic(c.t, L_CONFIG, abi.encodePacked(uint8(k), uint32(c.batch)));
        run.modelId = modelId;
        run.keyHash = keyHash;
        run.version = version;
    }

    function _tensors(MC.Ctx memory c, Run memory run) private pure {
        uint256 n = MC.u16(run.off);
        c.tensors = run.off + 2;
        c.nTensors = n;
        run.off = c.tensors + 8 * n;
        c.pending = new MC.Claim[][](n);
        c.nPending = new uint256[](n);
    }

    /// Absorb every public tensor ("input" / "output": u32 |name| ‖ name ‖ u8 rank ‖ u32 dims ‖
    /// int64 values), check its range and the pass-through pairs; the statement must be read
    /// to its last byte.
    function _statement(MC.Ctx memory c, Run memory run, bytes calldata statement) private pure {
        uint256 off = run.off;
        uint256 n = MC.u16(off);
        off += 2;
        c.stmtVals = new uint256[](n);
        c.stmtShape = new uint256[](n);
        run.sliceBytes = new uint256[](n);
        uint256 pos;
        assembly ("memory-safe") {
            pos := statement.offset
        }
        uint256 stmtEnd = pos + statement.length;
        for (uint256 j = 0; j < n; j++) {
            uint256 what = MC.u8(off);
            uint256 id = MC.u16(off + 1);
            uint256 nameLen = MC.u16(off + 3);
            uint256 nameOff = off + 5;
            uint256 shapeOff = nameOff + nameLen;
            uint256 rank = MC.u8(shapeOff);
            uint256 size = 1;
            for (uint256 a = 0; a < rank; a++) size *= MC.u32(shapeOff + 1 + 4 * a);
            if (rank == 0 || MC.u32(shapeOff + 1) != c.batch) revert MC.BadCircuit();
            off = shapeOff + 1 + 4 * rank;
            int64 lo = int64(uint64(MC.u64(off)));
            int64 hi = int64(uint64(MC.u64(off + 8)));
            off += 16;
            // inputs first, then outputs
            if (what == 0 && run.nInputs == j) run.nInputs = j + 1;
            else if (what != 1) revert MC.BadCircuit();
            (uint256 kind,, uint256 aux,) = MC.tensor(c, id);
            // an output that is an input passed through is the input's tensor (aux < j)
            if (kind != MC.PUBLIC || (aux != j && !(what == 1 && aux < j))) revert MC.BadCircuit();
            if (pos + 8 * size > stmtEnd) revert BadStatement();
            c.stmtVals[j] = pos;
            c.stmtShape[j] = shapeOff;
            run.sliceBytes[j] = 8 * (size / c.batch);
            if (!_inRange(pos, size, lo, hi)) revert OutOfRange(id);
            bytes memory rec = new bytes(4 + nameLen + 1 + 4 * rank + 8 * size);
            assembly ("memory-safe") {
                let d := add(rec, 32)
                mstore(d, shl(224, nameLen))
                calldatacopy(add(d, 4), nameOff, nameLen)
                calldatacopy(add(add(d, 4), nameLen), shapeOff, add(1, shl(2, rank)))
                calldatacopy(add(add(add(d, 5), nameLen), shl(2, rank)), pos, shl(3, size))
            }
            FS.absorbPublic(c.t, what == 0 ? L_INPUT : L_OUTPUT, rec);
            pos += 8 * size;
        }
        if (pos != stmtEnd) revert BadStatement();
        uint256 nPass = MC.u16(off);
        off += 2;
        for (uint256 j = 0; j < nPass; j++) {
            uint256 a = MC.u16(off + 4 * j);
            uint256 b = MC.u16(off + 4 * j + 2);
            if (a >= n || b >= n || run.sliceBytes[a] != run.sliceBytes[b]) revert MC.BadCircuit();
            uint256 len = run.sliceBytes[a] * c.batch;
            bytes32 ha;
            bytes32 hb;
            uint256 pa = c.stmtVals[a];
            uint256 pb = c.stmtVals[b];
            assembly ("memory-safe") {
                let m := mload(0x40)
                calldatacopy(m, pa, len)
                ha := keccak256(m, len)
                calldatacopy(m, pb, len)
                hb := keccak256(m, len)
            }
            if (ha != hb) revert PassThroughMismatch(b);
        }
        run.off = off + 4 * nPass;
    }

    /// Whether the `size` int64 values at calldata `pos` all lie in [lo, hi] (signed).
    function _inRange(uint256 pos, uint256 size, int64 lo, int64 hi) private pure returns (bool ok) {
        assembly ("memory-safe") {
            // (an int64 in assembly may carry dirty high bits: sign-extended here)
            let l := signextend(7, lo)
            let h := signextend(7, hi)
            let bad := 0
            for { let end := add(pos, shl(3, size)) } lt(pos, end) { pos := add(pos, 8) } {
                let v := signextend(7, shr(192, calldataload(pos)))
                bad := or(bad, or(slt(v, l), sgt(v, h)))
            }
            ok := iszero(bad)
        }
    }

    /// The commitment groups: names, commitments (per proof: read from the proof, "<name>
    /// commitment"), and the opening's configuration words.
    function _groups(MC.Ctx memory c, Run memory run) private pure {
        uint256 off = run.off;
        uint256 n = MC.u8(off);
        off += 1;
        run.nGroups = n;
        run.groupName = new uint256[](n);
        run.commitment = new bytes[](n);
        run.singleWords = new uint256[](n);
        c.groups = new MC.Claim[][](n);
        c.nGroup = new uint256[](n);
        c.groupVars = new uint256[](n);
        bool modelSeen = false;
        for (uint256 g = 0; g < n; g++) {
            run.groupName[g] = off;
            off += 2 + MC.u16(off);
            uint256 perProof = MC.u8(off);
            c.groupVars[g] = MC.u8(off + 1);
            uint256 len = MC.u16(off + 2);
            bytes memory com = new bytes(len);
            uint256 src = off + 4;
            assembly ("memory-safe") {
                calldatacopy(add(com, 32), src, len)
            }
            off = src + len;
            uint256 size = MC.u16(off);
            off += 2;
            if (perProof == 1) {
                if (len != 0) revert MC.BadCircuit();
                if (size != 0) {
                    uint256 at = FSL.recv(c.t, abi.encodePacked(_name(run, g), " commitment"), size);
                    com = new bytes(size);
                    assembly ("memory-safe") {
                        calldatacopy(add(com, 32), at, size)
                    }
                }
            } else {
                if (modelSeen || perProof != 0) revert MC.BadCircuit();
                modelSeen = true;
                if (keccak256(abi.encodePacked(uint16(run.version), com, run.keyHash)) != run.modelId) {
                    revert ModelIdMismatch();
                }
            }
            run.commitment[g] = com;
        }
        if (!modelSeen) revert MC.BadCircuit();
        run.batchWords = off;
        off += 2 + 4 * MC.u16(off);
        for (uint256 g = 0; g < n; g++) {
            run.singleWords[g] = off;
            off += 2 + 4 * MC.u16(off);
        }
        run.off = off;
    }

    function _name(Run memory run, uint256 g) private pure returns (bytes memory name) {
        uint256 off = run.groupName[g];
        uint256 len = MC.u16(off);
        name = new bytes(len);
        assembly ("memory-safe") {
            calldatacopy(add(name, 32), add(off, 2), len)
        }
    }

    /// Call an executor with `data` and free everything allocated from `fp0` on (the context
    /// sent, the payload): the returned context (bytes) is copied far enough above `fp0` that
    /// decoding it from `fp0` up cannot reach it (checked by _decodeBelow), and the free memory
    /// pointer goes back to `fp0`. Only what is decoded from it is kept.
    function _roundTrip(address target, bytes memory data, uint256 fp0) private view returns (bytes memory blob) {
        assembly ("memory-safe") {
            if iszero(staticcall(gas(), target, add(data, 32), mload(data), 0, 0)) {
                let p := mload(0x40)
                returndatacopy(p, 0, returndatasize())
                revert(p, returndatasize())
            }
            // the return value (bytes): the word 0x20, then the length and the bytes
            let rds := returndatasize()
            if lt(rds, 0x40) { revert(0, 0) }
            blob := add(fp0, add(mul(2, rds), 0x400))
            blob := and(add(blob, 31), not(31))
            returndatacopy(blob, 0x20, sub(rds, 0x20))
            if gt(add(mload(blob), 0x40), rds) { revert(0, 0) }
            mstore(0x40, fp0)
        }
    }

    /// The context decoded from `blob` (placed by _roundTrip above the free memory pointer);
    /// reverts if the decoded values reached the blob while it was read.
    function _decodeBelow(bytes memory blob) private pure returns (MC.Wire memory w) {
        w = abi.decode(blob, (MC.Wire));
        uint256 fp;
        assembly ("memory-safe") {
            fp := mload(0x40)
        }
        if (fp > _ptr(blob)) revert MC.BadCircuit();
    }

    function _ptr(bytes memory b) private pure returns (uint256 p) {
        assembly ("memory-safe") {
            p := b
        }
    }

    function _freePointer() private pure returns (uint256 p) {
        assembly ("memory-safe") {
            p := mload(0x40)
        }
    }

    /// The lookups (ModelLookups) in their executor, the context passed as data.
    function _lookups(MC.Ctx memory c, Run memory run, bytes calldata circuit, bytes calldata statement,
        bytes calldata proof) private view returns (MC.Ctx memory) {
        MC.rebase(c, run.circ, run.stmt, run.proof, false);
        (MC.Claim[][] memory home, uint256[] memory homeN) = _detachGroups(c);
        (bytes memory blob, uint256 next) =
            ILookupsExecutor(lookups).runLookups(circuit, statement, proof, MC.encode(c), run.off - run.circ);
        c = MC.decode(blob);
        _attachGroups(c, home, homeN);
        MC.rebase(c, run.circ, run.stmt, run.proof, true);
        run.off = run.circ + next;
        return c;
    }

    /// The commitment groups' claims stay here while the context travels to an executor
    /// (executors only add to them): the context leaves with empty groups (returned: the
    /// claims so far, to be put back by _attachGroups). Less ABI each way.
    function _detachGroups(MC.Ctx memory c) private pure returns (MC.Claim[][] memory home, uint256[] memory homeN) {
        home = c.groups;
        homeN = c.nGroup;
        c.groups = new MC.Claim[][](home.length);
        c.nGroup = new uint256[](home.length);
    }

    /// The claims the executors added to each group, appended to the ones kept here (in their
    /// order: the claim book's order, as in Python).
    function _attachGroups(MC.Ctx memory c, MC.Claim[][] memory home, uint256[] memory homeN) private pure {
        if (c.groups.length != home.length || c.nGroup.length != home.length) revert MC.BadCircuit();
        for (uint256 g = 0; g < home.length; g++) {
            MC.Claim[] memory added = c.groups[g];
            uint256 n = c.nGroup[g];
            if (n > added.length) revert MC.BadCircuit();
            for (uint256 i = 0; i < n; i++) {
                home[g] = MC.push(home[g], homeN[g], added[i]);
                homeN[g] += 1;
            }
        }
        c.groups = home;
        c.nGroup = homeN;
    }

    /// A random point on each public output a step computes ("output <j>"), its value from the
    /// statement, pending for that step.
    function _outputs(MC.Ctx memory c, Run memory run) private pure {
        uint256 off = run.off;
        uint256 n = MC.u8(off);
        off += 1;
        for (uint256 q = 0; q < n; q++) {
            uint256 j = MC.u16(off);
            uint256 id = MC.u16(off + 2);
            off += 4;
            (uint256 kind, uint256 nVars, uint256 aux,) = MC.tensor(c, id);
            if (kind != MC.PUBLIC) revert MC.BadCircuit();
            uint256[] memory z = MC.challengePoint(c, abi.encodePacked("output ", FSL.decimal(j)), nVars);
            uint256 v = MC.evalPublic(c, aux, z);
            c.pending[id] = MC.push(c.pending[id], c.nPending[id], MC.Claim(z, v));
            c.nPending[id] += 1;
        }
        run.off = off;
    }

    /// Every step, last first (their records are read forward first).
    function _steps(MC.Ctx memory c, Run memory run, bytes calldata circuit, bytes calldata statement,
        bytes calldata proof) private view returns (MC.Ctx memory) {
        uint256 off = run.off;
        uint256 n = MC.u16(off);
        off += 2;
        uint256[] memory at = new uint256[](n);
        for (uint256 i = 0; i < n; i++) {
            at[i] = off;
            off += 1 + MC.u8(off);
            off += 2;
            off += 1 + 2 * MC.u8(off);
            off += 1 + 2 * MC.u8(off);
            off += 4 + MC.u32(off);
            if (off > run.circEnd) revert MC.BadCircuit();
        }
        if (off != run.circEnd) revert MC.BadCircuit();
        uint256[] memory who = new uint256[](n);
        for (uint256 i = 0; i < n; i++) {
            who[i] = _executor(keccak256(MC.readStep(at[i]).op));
            if (who[i] > 2) revert UnknownStep(i);
            at[i] -= run.circ;
        }
        // Each executor gets only the pending claims on the outputs of the steps it runs (the
        // only ones it can take); the rest of the claim book stays here, and the claims it adds
        // come back and are appended in order (the claim book's order, as in Python). All that
        // a round trip allocates (the context sent, the payload, the returned bytes) is freed
        // but the claims it brings back, so memory grows with the claims made, not with the
        // round trips (the EVM charges memory by its high-water mark, quadratically), and no
        // call copies claims it does not use.
        MC.rebase(c, run.circ, run.stmt, run.proof, false);
        (MC.Claim[][] memory home, uint256[] memory homeN) = _detachGroups(c);
        uint256 hi = n;
        while (hi > 0) {
            uint256 lo = hi - 1;
            while (lo > 0 && who[lo - 1] == who[hi - 1]) lo--;
            uint256 e = who[hi - 1];
            address target = e == 0 ? stepsA : e == 1 ? stepsB : stepsC;
            uint256 fp0 = _freePointer();
            bytes memory wire = _hot(c, at, lo, hi, run.circ);
            bytes memory data = _payload(circuit, statement, proof, wire, at, hi, lo);
            _merge(c, _decodeBelow(_roundTrip(target, data, fp0)));
            hi = lo;
        }
        _attachGroups(c, home, homeN);
        MC.rebase(c, run.circ, run.stmt, run.proof, true);
        return c;
    }

    /// abi.encodeCall(IStepExecutor.run, (circuit, statement, proof, wire, at, hi, lo)), with
    /// calldatacopy and mcopy.
    function _payload(bytes calldata circuit, bytes calldata statement, bytes calldata proof, bytes memory wire,
        uint256[] memory at, uint256 hi, uint256 lo) private pure returns (bytes memory data) {
        bytes4 sel = IStepExecutor.run.selector;
        assembly ("memory-safe") {
            /// A bytes argument at args + t (calldata off, len): length, bytes, zero padding.
            function putCalldata(a, t, off, len) -> next {
                let q := add(a, t)
                mstore(q, len)
                calldatacopy(add(q, 0x20), off, len)
                mstore(add(add(q, 0x20), len), 0)
                next := add(t, add(0x20, and(add(len, 31), not(31))))
            }
            data := mload(0x40)
            mstore(add(data, 0x20), sel)
            let args := add(data, 0x24)
            let tail := 0xe0 // the head: seven words
            mstore(args, tail)
            tail := putCalldata(args, tail, circuit.offset, circuit.length)
            mstore(add(args, 0x20), tail)
            tail := putCalldata(args, tail, statement.offset, statement.length)
            mstore(add(args, 0x40), tail)
            tail := putCalldata(args, tail, proof.offset, proof.length)
            mstore(add(args, 0x60), tail)
            let p := add(args, tail)
            let wl := mload(wire)
            mstore(p, wl)
            mcopy(add(p, 0x20), add(wire, 0x20), wl)
            mstore(add(add(p, 0x20), wl), 0)
            tail := add(tail, add(0x20, and(add(wl, 31), not(31))))
            mstore(add(args, 0x80), tail)
            let words := add(mload(at), 1)
            mcopy(add(args, tail), at, mul(words, 0x20))
            tail := add(tail, mul(words, 0x20))
            mstore(add(args, 0xa0), hi)
            mstore(add(args, 0xc0), lo)
            mstore(data, add(4, tail))
            mstore(0x40, add(add(data, 0x20), and(add(add(4, tail), 31), not(31))))
        }
    }

    /// The context for steps lo..hi − 1, encoded (MC.Wire): the pending claims on their
    /// outputs, moved out of `c` (increasing ids, as MC.fromWire requires), no other claims;
    /// the window is every tensor those steps read or write (their claim book holds only
    /// these).
    function _hot(MC.Ctx memory c, uint256[] memory at, uint256 lo, uint256 hi, uint256 circ)
        private
        pure
        returns (bytes memory)
    {
        MC.Wire memory w;
        MC.wireHeader(c, w);
        w.groups = new MC.Claim[][](c.groups.length);
        uint256[] memory outs;
        (w.window, outs) = _window(at, lo, hi, circ);
        uint256 k = 0;
        uint256[] memory ids = new uint256[](outs.length);
        for (uint256 j = 0; j < outs.length; j++) {
            uint256 id = outs[j];
            if (id >= c.nTensors) revert MC.BadCircuit();
            if (c.nPending[id] != 0) ids[k++] = id;
        }
        w.ids = MC.slice(ids, 0, k);
        w.pending = new MC.Claim[][](k);
        for (uint256 j = 0; j < k; j++) {
            (MC.Claim[] memory list, uint256 count) = MC.takeAll(c, ids[j]);
            w.pending[j] = MC.exact(list, count);
        }
        return abi.encode(w);
    }

    /// The output and input ids of the step records at circ + at[lo..hi), and their output ids
    /// alone, each increasing and distinct (insertion into a sorted list: ids follow the plan's
    /// order, so few moves).
    function _window(uint256[] memory at, uint256 lo, uint256 hi, uint256 circ)
        private
        pure
        returns (uint256[] memory, uint256[] memory)
    {
        MC.Step[] memory steps = new MC.Step[](hi - lo);
        uint256 total = 0;
        for (uint256 i = lo; i < hi; i++) {
            steps[i - lo] = MC.readStep(circ + at[i]);
            total += 1 + steps[i - lo].inputs.length;
        }
        uint256[] memory out = new uint256[](total);
        uint256[] memory outs = new uint256[](hi - lo);
        uint256 m = 0;
        uint256 mo = 0;
        for (uint256 i = 0; i < steps.length; i++) {
            MC.Step memory st = steps[i];
            m = _insert(out, m, st.output);
            mo = _insert(outs, mo, st.output);
            for (uint256 j = 0; j < st.inputs.length; j++) m = _insert(out, m, st.inputs[j]);
        }
        return (MC.slice(out, 0, m), MC.slice(outs, 0, mo));
    }

    /// Insert `id` into the increasing list out[0..m) unless present; the new length.
    function _insert(uint256[] memory out, uint256 m, uint256 id) private pure returns (uint256) {
        uint256 j = m;
        while (j > 0 && out[j - 1] > id) j--;
        if (j > 0 && out[j - 1] == id) return m;
        for (uint256 q = m; q > j; q--) out[q] = out[q - 1];
        out[j] = id;
        return m + 1;
    }

    /// An executor's returned context into `c`: its transcript, then its pending claims and
    /// group claims appended after the ones kept here.
    function _merge(MC.Ctx memory c, MC.Wire memory w) private pure {
        if (w.nTensors != c.nTensors || w.ids.length != w.pending.length || w.groups.length != c.groups.length) {
            revert MC.BadCircuit();
        }
        c.t = w.t;
        for (uint256 k = 0; k < w.ids.length; k++) {
            uint256 id = w.ids[k];
            if (id >= c.nTensors) revert MC.BadCircuit();
            MC.Claim[] memory added = w.pending[k];
            for (uint256 j = 0; j < added.length; j++) {
                c.pending[id] = MC.push(c.pending[id], c.nPending[id], added[j]);
                c.nPending[id] += 1;
            }
        }
        for (uint256 g = 0; g < w.groups.length; g++) {
            MC.Claim[] memory added = w.groups[g];
            for (uint256 j = 0; j < added.length; j++) {
                c.groups[g] = MC.push(c.groups[g], c.nGroup[g], added[j]);
                c.nGroup[g] += 1;
            }
        }
    }

    /// Which executor verifies op `h` (0: StepsA, 1: StepsB).
    function _executor(bytes32 h) private pure returns (uint256) {
        if (h == keccak256("linear") || h == keccak256("requant") || h == keccak256("lookup")) return 0;
        if (h == keccak256("add") || h == keccak256("add_const") || h == keccak256("alias")) return 0;
        if (h == keccak256("transpose") || h == keccak256("reduce_sum")) return 0;
        if (h == keccak256("mul") || h == keccak256("mul_const") || h == keccak256("matmul")) return 0;
        if (h == keccak256("gather")) return 1;
        if (h == keccak256("max_reduce") || h == keccak256("div_round")) return 2;
        return 3;
    }

    /// commitments.open_groups: each group's claims merged ("open <name>"), then one WHIR
    /// opening of every group with claims (batched when two or more), by the opening contract.
    function _open(MC.Ctx memory c, Run memory run, bytes calldata proof) private view {
        uint256 nOpen = 0;
        for (uint256 g = 0; g < run.nGroups; g++) if (c.nGroup[g] > 0) nOpen++;
        if (nOpen == 0) {
            FS.checkEof(c.t);
            return;
        }
        uint256[] memory counts = new uint256[](nOpen);
        uint256[] memory values = new uint256[](nOpen);
        bytes memory coms;
        uint256 nPts = 0;
        uint256[] memory points = new uint256[](0);
        uint256 last = 0;
        for (uint256 g = 0; g < run.nGroups; g++) {
            if (c.nGroup[g] == 0) continue;
            if (run.commitment[g].length == 0) revert EmptyGroupClaimed(g);
            MC.Claim memory m =
                MC.merge(c.t, c.groupVars[g], c.groups[g], c.nGroup[g], abi.encodePacked("open ", _name(run, g)));
            counts[nPts] = 1;
            values[nPts] = m.value;
            points = MC.concat(points, m.point);
            coms = abi.encodePacked(coms, run.commitment[g]);
            nPts++;
            last = g;
        }
        uint256[] memory config;
        if (nOpen == 1) {
            uint256 w = run.singleWords[last];
            uint256 nw = MC.u16(w);
            config = new uint256[](2 + nw);
            config[0] = 1;
            for (uint256 j = 0; j < nw; j++) config[2 + j] = MC.u32(w + 2 + 4 * j);
        } else {
            uint256 nw = MC.u16(run.batchWords);
            config = new uint256[](nw);
            for (uint256 j = 0; j < nw; j++) config[j] = MC.u32(run.batchWords + 2 + 4 * j);
        }
        uint256 rel = c.t.pos - run.proof;
        bool ok = IOpening(opening).continueOpening(
            c.t.state, run.params, config, coms, counts, points, values, proof[rel:]
        );
        if (!ok) revert OpeningRejected();
    }

    function _offset(bytes calldata b) private pure returns (uint256 off) {
        assembly ("memory-safe") {
            off := b.offset
        }
    }
}
