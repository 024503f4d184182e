// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {MC} from "./ModelContext.sol";
import {ModelLookups} from "./ModelLookups.sol";
import {StepAdd} from "./StepAdd.sol";
import {StepDivRound} from "./StepDivRound.sol";
import {StepGather} from "./StepGather.sol";
import {StepLinear} from "./StepLinear.sol";
import {StepLookup} from "./StepLookup.sol";
import {StepMaxReduce} from "./StepMaxReduce.sol";
import {StepMul} from "./StepMul.sol";
import {StepRelabel} from "./StepRelabel.sol";
import {StepRequant} from "./StepRequant.sol";

interface IStepExecutor {
    function run(
        bytes calldata circuit,
        bytes calldata statement,
        bytes calldata proof,
        bytes calldata ctx,
        uint256[] calldata at,
        uint256 hi,
        uint256 lo
    ) external pure returns (bytes memory);
}

interface ILookupsExecutor {
    function runLookups(
        bytes calldata circuit,
        bytes calldata statement,
        bytes calldata proof,
        bytes calldata ctx,
        uint256 at
    ) external pure returns (bytes memory, uint256);
}

/// @title The lookups phase (ModelLookups) as its own contract: the context in and out as data,
/// `at` the circuit offset of the lookups section; returns the offset just past it.
contract LookupsExecutor is ILookupsExecutor {
    function runLookups(
        bytes calldata circuit,
        bytes calldata statement,
        bytes calldata proof,
        bytes calldata ctx,
        uint256 at
    ) external pure returns (bytes memory, uint256) {
        uint256 circ;
        uint256 stmt;
        uint256 prf;
        assembly ("memory-safe") {
            circ := circuit.offset
            stmt := statement.offset
            prf := proof.offset
        }
        if (at >= circuit.length) revert MC.BadCircuit();
        MC.Ctx memory c = MC.fromWire(abi.decode(ctx, (MC.Wire)));
        MC.rebase(c, circ, stmt, prf, true);
        uint256 next = ModelLookups.verify(c, circ + at);
        if (next > circ + circuit.length) revert MC.BadCircuit();
        MC.rebase(c, circ, stmt, prf, false);
        return (MC.encode(c), next - circ);
    }
}

/// @title Step executors: the model verifier's steps, in contracts of their own (EIP-170)
/// @notice ModelVerifier sends the verification context (MC.Ctx, its calldata offsets made
/// relative: MC.rebase) with the same circuit, statement and proof; `run` verifies steps hi − 1
/// down to lo (their records at circuit offsets `at`) and returns the context. Each executor
/// verifies some ops (ModelVerifier._executor) and reverts on the others.
abstract contract StepExecutor is IStepExecutor {
    error NotMyStep(uint256 step);

    function run(
        bytes calldata circuit,
        bytes calldata statement,
        bytes calldata proof,
        bytes calldata ctx,
        uint256[] calldata at,
        uint256 hi,
        uint256 lo
    ) external pure returns (bytes memory) {
        uint256 circ;
        uint256 stmt;
        uint256 prf;
        assembly ("memory-safe") {
            circ := circuit.offset
            stmt := statement.offset
            prf := proof.offset
        }
        MC.Ctx memory c = MC.fromWire(abi.decode(ctx, (MC.Wire)));
        MC.rebase(c, circ, stmt, prf, true);
        if (hi > at.length || lo > hi) revert MC.BadCircuit();
        for (uint256 i = hi; i > lo; i--) {
            if (at[i - 1] >= circuit.length) revert MC.BadCircuit();
            MC.Step memory s = MC.readStep(circ + at[i - 1]);
            if (!_dispatch(c, i - 1, s, keccak256(s.op))) revert NotMyStep(i - 1);
        }
        MC.rebase(c, circ, stmt, prf, false);
        return MC.encode(c);
    }

    function _dispatch(MC.Ctx memory c, uint256 i, MC.Step memory s, bytes32 h) internal pure virtual returns (bool);
}

/// @title linear, requant, lookup, add, add_const, mul, mul_const, matmul, alias, transpose,
/// reduce_sum (the common steps together: fewer round trips of the context)
contract StepsA is StepExecutor {
    function _dispatch(MC.Ctx memory c, uint256 i, MC.Step memory s, bytes32 h) internal pure override returns (bool) {
        if (h == keccak256("linear")) StepLinear.verify(c, i, s);
        else if (h == keccak256("requant")) StepRequant.verify(c, i, s);
        else if (h == keccak256("lookup")) StepLookup.verify(c, i, s);
        else if (h == keccak256("add") || h == keccak256("add_const")) StepAdd.verify(c, i, s);
        else if (h == keccak256("mul") || h == keccak256("mul_const") || h == keccak256("matmul")) {
            StepMul.verify(c, i, s);
        }
        else if (h == keccak256("alias") || h == keccak256("transpose") || h == keccak256("reduce_sum")) {
            StepRelabel.verify(c, i, s);
        } else return false;
        return true;
    }
}

/// @title gather
contract StepsB is StepExecutor {
    function _dispatch(MC.Ctx memory c, uint256 i, MC.Step memory s, bytes32 h) internal pure override returns (bool) {
        if (h == keccak256("gather")) StepGather.verify(c, i, s);
        else return false;
        return true;
    }
}

/// @title max_reduce, div_round
contract StepsC is StepExecutor {
    function _dispatch(MC.Ctx memory c, uint256 i, MC.Step memory s, bytes32 h) internal pure override returns (bool) {
        if (h == keccak256("max_reduce")) StepMaxReduce.verify(c, i, s);
        else if (h == keccak256("div_round")) StepDivRound.verify(c, i, s);
        else return false;
        return true;
    }
}
