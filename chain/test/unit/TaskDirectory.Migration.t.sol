// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Vm} from "forge-std/Vm.sol";
import {Fixture} from "../utils/Fixture.sol";
import {TaskFixture} from "../utils/TaskFixture.sol";
import {IModelRegistry} from "../../contracts/interfaces/IModelRegistry.sol";

/// @dev Security review of issue 15: a deployment made before tasks (the binary registry is the
/// Membership's observer) moves to a TaskDirectory. Between `setObserver(directory)` and
/// `addTask(binary registry)` (two proposals, or a task added later) admissions and removals reach
/// only the registries already listed, so the binary registry misses them. `addTask` must bring a
/// registry back in step with the Membership, or one registry keeps a removed institution (and
/// its staff) as a member while the others and the Membership do not.
contract TaskDirectoryMigrationTest is TaskFixture {
    function setUp() public override {
        // The pre-task consortium: A and B admitted, the binary registry as observer, staff set.
        Fixture.setUp();
        directory = deployDirectory(admin, admin, address(membership));
        typeRegistry = deployTaskRegistry(TYPE_TASK, admin, address(membership));
        // Proposal 1 (say): the directory becomes the observer; no task listed yet.
        vm.prank(admin);
        membership.setObserver(address(directory));
    }

    function addBothTasks() internal {
        vm.startPrank(admin);
        directory.addTask(BINARY, address(registry));
        directory.addTask(TYPE, address(typeRegistry));
        vm.stopPrank();
    }

    function test_removalBeforeAddTaskReachesTheEarlierRegistry() public {
        uint256 modelId = publish(9000, 9000);
        vm.prank(admin);
        membership.remove(idB);
        addBothTasks();
        // Like the Membership and the type registry: B is no member, its clinician no staff.
        assertEq(uint8(registry.rolesOf(instB).kind), uint8(IModelRegistry.AccountKind.None));
        assertEq(uint8(typeRegistry.rolesOf(instB).kind), uint8(IModelRegistry.AccountKind.None));
        assertFalse(registry.rolesOf(clinician).institutionActive);
        assertFalse(registry.canDownload(instB, modelId));
        assertFalse(registry.canDownload(clinician, modelId));
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RegistryNotMemberInstitution.selector, instB));
        vm.prank(instB);
        registry.addStaff(outsider);
        // A is untouched.
        assertEq(registry.rolesOf(instA).institutionId, idA);
        assertTrue(registry.canDownload(publisher, modelId));
    }

    function test_readmissionBeforeAddTaskLeavesNoStaleInstitution() public {
        vm.startPrank(admin);
        membership.remove(idB);
        uint256 newIdB = membership.admit(instB, "Borealis Medical Center", "");
        vm.stopPrank();
        addBothTasks();
        assertEq(uint8(registry.rolesOf(instB).kind), uint8(IModelRegistry.AccountKind.Member));
        assertEq(registry.rolesOf(instB).institutionId, newIdB);
        // The clinician was staff of B's first membership (id idB): gone with it.
        assertFalse(registry.rolesOf(clinician).institutionActive);
        assertEq(typeRegistry.rolesOf(instB).institutionId, newIdB);
    }

    function test_removalAfterAddTaskReachesTheRegistry() public {
        // A removal the directory relayed to the type registry only, then the binary one added.
        vm.prank(admin);
        directory.addTask(TYPE, address(typeRegistry));
        vm.prank(admin);
        membership.remove(idA);
        vm.prank(admin);
        directory.addTask(BINARY, address(registry));
        assertEq(uint8(registry.rolesOf(instA).kind), uint8(IModelRegistry.AccountKind.None));
        assertFalse(registry.rolesOf(publisher).institutionActive);
        assertEq(uint8(typeRegistry.rolesOf(instA).kind), uint8(IModelRegistry.AccountKind.None));
    }

    function test_aFreshRegistryIsToldOfNoRemovals() public {
        vm.prank(admin);
        membership.remove(idB);
        vm.recordLogs();
        vm.prank(admin);
        directory.addTask(TYPE, address(typeRegistry));
        Vm.Log[] memory logs = vm.getRecordedLogs();
        uint256 removals;
        uint256 admissions;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics[0] != IModelRegistry.MembershipSynced.selector) continue;
            if (abi.decode(logs[i].data, (bool))) ++admissions;
            else ++removals;
        }
        assertEq(removals, 0, "nothing to undo in a fresh registry");
        assertEq(admissions, 1, "A only");
    }
}
