// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// The generic verifier core (ModelVerifier.sol): reverts unless `proof` proves `statement` for
/// the model and batch size that `circuit` describes; returns the batch's results root.
interface ICircuitVerifier {
    function verifyCircuit(bytes calldata circuit, bytes calldata statement, bytes calldata proof)
        external
        view
        returns (bytes32 resultsRoot);
}

/// @title TensorProofRegistry: models registered once, proofs verified as transactions
/// @notice A model at one batch size is described by its circuit data (solidity/circuit.py:
/// b"TPCIRC01" ‖ model id (32 bytes) ‖ u32 batch ‖ …) and named by circuitId = keccak256(circuit).
/// `register` stores the circuit SSTORE2-style: chunks of ≤ 24,575 bytes, each the code of a data
/// contract (0x00 ‖ chunk: the leading STOP makes it uncallable), their addresses in storage.
/// `verify` reads the chunks back (EXTCODECOPY straight into the call's ABI payload) and has the
/// core check the proof; a rejected proof reverts the whole transaction, so ProofVerified is
/// emitted only for a verified one.
contract TensorProofRegistry {
    bytes8 private constant MAGIC = "TPCIRC01";
    uint256 private constant HEADER = 44; // magic, model id, u32 batch
    uint256 private constant CHUNK = 24_575; // EIP-170 limit minus the STOP byte

    ICircuitVerifier public immutable core;
    mapping(bytes32 => address[]) private _chunks;

    event ModelRegistered(bytes32 indexed circuitId, bytes32 indexed modelId, uint32 batch);
    event ProofVerified(bytes32 indexed circuitId, bytes32 indexed modelId, bytes32 resultsRoot);

    error NoCore();
    error NotACircuit();
    error AlreadyRegistered(bytes32 circuitId);
    error UnknownCircuit(bytes32 circuitId);
    error StoreFailed();
    error BadCoreResult();

    constructor(address core_) {
        if (core_.code.length == 0) revert NoCore();
        core = ICircuitVerifier(core_);
    }

    /// Store `circuit`; NotACircuit without the magic and header, AlreadyRegistered twice.
    function register(bytes calldata circuit) external returns (bytes32 circuitId) {
        if (circuit.length < HEADER || bytes8(circuit[:8]) != MAGIC) revert NotACircuit();
        circuitId = keccak256(circuit);
        address[] storage ptrs = _chunks[circuitId];
        if (ptrs.length != 0) revert AlreadyRegistered(circuitId);
        for (uint256 off = 0; off < circuit.length; off += CHUNK) {
            uint256 end = off + CHUNK < circuit.length ? off + CHUNK : circuit.length;
            ptrs.push(_write(circuit[off:end]));
        }
        emit ModelRegistered(circuitId, bytes32(circuit[8:40]), uint32(bytes4(circuit[40:44])));
    }

    /// Whether `circuitId` is registered.
    function registered(bytes32 circuitId) external view returns (bool) {
        return _chunks[circuitId].length != 0;
    }

    /// The registered circuit data; UnknownCircuit if none.
    function circuit(bytes32 circuitId) external view returns (bytes memory data) {
        (address[] memory ptrs, uint256 len) = _locate(circuitId);
        data = new bytes(len);
        assembly ("memory-safe") {
            let w := add(data, 0x20)
            for { let i := 0 } lt(i, mload(ptrs)) { i := add(i, 1) } {
                let ptr := mload(add(add(ptrs, 0x20), shl(5, i)))
                let size := sub(extcodesize(ptr), 1)
                extcodecopy(ptr, w, 1, size)
                w := add(w, size)
            }
        }
    }

    /// Verify `proof` of `statement` against the registered circuit; emits ProofVerified and
    /// returns the results root. Reverts (with the core's revert data) if the proof is rejected,
    /// UnknownCircuit if `circuitId` is not registered.
    function verify(bytes32 circuitId, bytes calldata statement, bytes calldata proof)
        external
        returns (bytes32 resultsRoot)
    {
        (address[] memory ptrs, uint256 len) = _locate(circuitId);
        address target = address(core);
        bytes4 sel = ICircuitVerifier.verifyCircuit.selector;
        bytes32 modelId;
        bool short;
        assembly ("memory-safe") {
            // verifyCircuit(circuit, statement, proof), ABI-encoded from the free memory on
            let p := mload(0x40)
            mstore(p, sel)
            let head := add(p, 4)
            let cPad := and(add(len, 31), not(31))
            let sPad := and(add(statement.length, 31), not(31))
            mstore(head, 0x60)
            mstore(add(head, 0x20), add(0x80, cPad))
            mstore(add(head, 0x40), add(0xa0, add(cPad, sPad)))
            let q := add(head, 0x60)
            mstore(q, len)
            let w := add(q, 0x20)
            for { let i := 0 } lt(i, mload(ptrs)) { i := add(i, 1) } {
                let ptr := mload(add(add(ptrs, 0x20), shl(5, i)))
                let size := sub(extcodesize(ptr), 1)
                extcodecopy(ptr, w, 1, size)
                w := add(w, size)
            }
            mstore(w, 0) // the circuit's padding (memory past the free pointer may be dirty)
            modelId := mload(add(q, 0x28)) // after the 8 magic bytes
            q := add(add(q, 0x20), cPad)
            mstore(q, statement.length)
            calldatacopy(add(q, 0x20), statement.offset, statement.length)
            mstore(add(add(q, 0x20), statement.length), 0)
            q := add(add(q, 0x20), sPad)
            mstore(q, proof.length)
            calldatacopy(add(q, 0x20), proof.offset, proof.length)
            mstore(add(add(q, 0x20), proof.length), 0)
            let end := add(add(q, 0x20), and(add(proof.length, 31), not(31)))
            if iszero(staticcall(gas(), target, p, sub(end, p), 0, 0)) {
                returndatacopy(p, 0, returndatasize())
                revert(p, returndatasize())
            }
            short := lt(returndatasize(), 0x20)
            if iszero(short) {
                returndatacopy(0, 0, 0x20)
                resultsRoot := mload(0)
            }
        }
        if (short) revert BadCoreResult();
        emit ProofVerified(circuitId, modelId, resultsRoot);
    }

    /// The chunk addresses of `circuitId` and the circuit's length; UnknownCircuit if none.
    function _locate(bytes32 circuitId) private view returns (address[] memory ptrs, uint256 len) {
        ptrs = _chunks[circuitId];
        if (ptrs.length == 0) revert UnknownCircuit(circuitId);
        for (uint256 i = 0; i < ptrs.length; i++) {
            len += ptrs[i].code.length - 1;
        }
    }

    /// Deploy a data contract whose code is 0x00 ‖ chunk. Its creation code is the 10 bytes
    /// PUSH2 n, DUP1, PUSH1 10, RETURNDATASIZE, CODECOPY, RETURNDATASIZE, RETURN (n = the code's
    /// length), followed by the code.
    function _write(bytes calldata chunk) private returns (address ptr) {
        assembly ("memory-safe") {
            let p := mload(0x40)
            let n := add(chunk.length, 1)
            mstore(p, shl(168, or(0x61000080600a3d393df300, shl(64, n))))
            calldatacopy(add(p, 11), chunk.offset, chunk.length)
            ptr := create(0, p, add(n, 10))
        }
        if (ptr == address(0)) revert StoreFailed();
    }
}
