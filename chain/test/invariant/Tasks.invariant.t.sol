// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IModelRegistry} from "../../contracts/interfaces/IModelRegistry.sol";
import {TaskFixture} from "../utils/TaskFixture.sol";
import {TaskHandler} from "./TaskHandler.sol";

/// @dev Per-task invariants: the directory maps each task id to one registry and each registry to
/// one task, and activity in the type task (publish, download, evaluate, revoke) never changes the
/// binary task's latest model, top ten or downloads.
contract TasksInvariantTest is TaskFixture {
    TaskHandler internal handler;
    uint256 internal binaryLatest;
    uint256 internal binaryNext;
    uint256[] internal binaryTop;

    function setUp() public override {
        super.setUp();
        for (uint256 i; i < 3; ++i) publish(uint16(7000 + i * 500), 8000);
        binaryLatest = registry.latestModelId();
        vm.prank(clinician);
        registry.recordDownload(binaryLatest);
        binaryNext = registry.nextModelId();
        binaryTop = registry.topTenIds();
        address[] memory members = new address[](2);
        members[0] = instA;
        members[1] = instB;
        handler = new TaskHandler(membership, directory, registry, typeRegistry, admin, publisher, clinician, members);
        targetContract(address(handler));
    }

    function invariant_eachTaskOneRegistryEachRegistryOneTask() public view {
        uint256 count = directory.taskCount();
        assertEq(count, 2 + handler.tasksAdded());
        for (uint256 i; i < count; ++i) {
            (bytes32 id, string memory task, address reg) = directory.taskAt(i);
            assertEq(id, keccak256(bytes(task)));
            assertEq(directory.registryOf(id), reg);
            assertEq(directory.taskOf(reg), id);
            for (uint256 j = i + 1; j < count; ++j) {
                (bytes32 otherId,, address otherReg) = directory.taskAt(j);
                assertTrue(otherId != id);
                assertTrue(otherReg != reg);
            }
        }
    }

    function invariant_typeTaskActivityNeverTouchesTheBinaryTask() public view {
        assertEq(registry.latestModelId(), binaryLatest);
        assertEq(registry.nextModelId(), binaryNext);
        assertEq(registry.topTenIds(), binaryTop);
        assertEq(handler.binaryLogs(), 0, "the binary registry logged a download, publish or ranking change");
    }

    function invariant_everyRegistrySeesTheSameMembers() public view {
        uint256 count = directory.taskCount();
        for (uint256 k = 1; k <= 4; ++k) {
            address candidate = address(uint160(k + 0xC0FFEE));
            uint256 id = membership.institutionOf(candidate);
            for (uint256 i; i < count; ++i) {
                (,, address reg) = directory.taskAt(i);
                assertEq(IModelRegistry(reg).rolesOf(candidate).institutionId, id);
            }
        }
    }
}
