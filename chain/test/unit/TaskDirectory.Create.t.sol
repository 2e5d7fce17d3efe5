// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {ModelRegistry} from "../../contracts/ModelRegistry.sol";
import {IModelRegistry} from "../../contracts/interfaces/IModelRegistry.sol";
import {ITaskDirectory} from "../../contracts/interfaces/ITaskDirectory.sol";
import {TaskFixture} from "../utils/TaskFixture.sol";

/// @dev `createTask`: the directory deploys the new task's registry itself, so governance is its
/// only admin from its first block (what the admin count of `addTask` cannot prove for a registry
/// someone else deployed: a second admin could have rewritten the count through an upgrade).
contract TaskDirectoryCreateTest is TaskFixture {
    string internal constant GRADE = "brain-tumor-mri/grade";
    bytes32 internal constant GRADE_TASK = keccak256("brain-tumor-mri/grade");

    address internal implementation;

    function setUp() public override {
        super.setUp();
        implementation = address(new ModelRegistry());
    }

    function publishers() internal view returns (address[] memory list) {
        list = new address[](1);
        list[0] = publisher;
    }

    function test_createTaskDeploysARegistryGovernanceAloneAdministers() public {
        address predicted = directory.registryAddressOf(GRADE, implementation, publishers());
        vm.expectEmit(true, true, false, true, address(directory));
        emit ITaskDirectory.TaskRegistryCreated(GRADE_TASK, predicted, implementation);
        vm.prank(admin);
        address created = directory.createTask(GRADE, implementation, publishers());
        assertEq(created, predicted, "at the address a proposal can name beforehand");
        assertEq(directory.registryOf(GRADE_TASK), created);
        ModelRegistry grade = ModelRegistry(created);
        assertEq(grade.adminCount(), 1);
        assertTrue(grade.hasRole(bytes32(0), admin), "governance (the fixture's admin) administers it");
        assertTrue(grade.hasRole(grade.PUBLISHER_ROLE(), publisher));
        assertEq(grade.taskId(), GRADE_TASK);
        assertEq(grade.membership(), address(membership));
        // Synced like any added task: the members are members there.
        assertEq(uint8(grade.rolesOf(instA).kind), uint8(IModelRegistry.AccountKind.Member));
        assertEq(grade.rolesOf(instB).institutionId, idB);
    }

    function test_theSameProposalCanGrantRolesAtThePredictedAddress() public {
        address predicted = directory.registryAddressOf(GRADE, implementation, new address[](0));
        vm.startPrank(admin);
        directory.createTask(GRADE, implementation, new address[](0));
        ModelRegistry(predicted).grantRole(keccak256("AUDITOR_ROLE"), auditor);
        vm.stopPrank();
        assertTrue(ModelRegistry(predicted).rolesOf(auditor).auditor);
    }

    function test_createTaskOnlyAdmin() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, outsider, bytes32(0))
        );
        vm.prank(outsider);
        directory.createTask(GRADE, implementation, new address[](0));
    }

    function test_createTaskRefusesATaskAddedAndABadName() public {
        vm.startPrank(admin);
        vm.expectRevert(
            abi.encodeWithSelector(ITaskDirectory.TaskDirectoryTaskExists.selector, TYPE_TASK, address(typeRegistry))
        );
        directory.createTask(TYPE, implementation, new address[](0));
        vm.expectRevert(abi.encodeWithSelector(ITaskDirectory.TaskDirectoryInvalidNameCharacter.selector, 0, bytes1("B")));
        directory.createTask("Brain", implementation, new address[](0));
        vm.stopPrank();
    }
}
