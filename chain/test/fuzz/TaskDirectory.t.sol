// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ModelRegistry} from "../../contracts/ModelRegistry.sol";
import {ITaskDirectory} from "../../contracts/interfaces/ITaskDirectory.sol";
import {TaskFixture} from "../utils/TaskFixture.sol";

/// @dev addTask with any name and any registry address: a name is taken iff it has 1..128 bytes
/// and a genuine registry of that task is given; anything else is refused with a named error.
contract TaskDirectoryFuzzTest is TaskFixture {
    function testFuzz_anyNameWithItsOwnRegistry(string calldata task) public {
        bytes32 id = keccak256(bytes(task));
        vm.assume(id != TASK && id != TYPE_TASK);
        ModelRegistry own = deployTaskRegistry(id, admin, address(membership));
        uint256 length = bytes(task).length;
        if (length == 0) vm.expectRevert(ITaskDirectory.TaskDirectoryEmptyName.selector);
        else if (length > 128) {
            vm.expectRevert(abi.encodeWithSelector(ITaskDirectory.TaskDirectoryNameTooLong.selector, length, 128));
        }
        vm.prank(admin);
        directory.addTask(task, address(own));
        if (length == 0 || length > 128) {
            assertEq(directory.taskCount(), 2);
            return;
        }
        assertEq(directory.taskCount(), 3);
        assertEq(directory.registryOf(id), address(own));
        (, string memory stored,) = directory.taskAt(2);
        assertEq(stored, task);
        assertEq(own.rolesOf(instA).institutionId, idA);
    }

    function testFuzz_anyNameWithAnotherTasksRegistryIsRefused(string calldata task) public {
        uint256 length = bytes(task).length;
        vm.assume(length > 0 && length <= 128);
        bytes32 id = keccak256(bytes(task));
        vm.assume(id != TYPE_TASK);
        ModelRegistry typeTwo = deployTaskRegistry(TYPE_TASK, admin, address(membership));
        vm.expectRevert(
            abi.encodeWithSelector(ITaskDirectory.TaskDirectoryTaskMismatch.selector, address(typeTwo), id, TYPE_TASK)
        );
        vm.prank(admin);
        directory.addTask(task, address(typeTwo));
    }

    function testFuzz_anyAddressThatIsNoRegistryIsRefused(address candidate) public {
        vm.assume(candidate != address(registry) && candidate != address(typeRegistry));
        vm.prank(admin);
        try directory.addTask("brain-tumor-mri/segmentation", candidate) {
            revert("an address that is no registry of the task was added");
        } catch (bytes memory reason) {
            bytes4 selector = bytes4(reason);
            assertTrue(
                selector == ITaskDirectory.TaskDirectoryNotAContract.selector
                    || selector == ITaskDirectory.TaskDirectoryNotARegistry.selector
                    || selector == ITaskDirectory.TaskDirectoryTaskMismatch.selector,
                "refused with a named error"
            );
        }
        assertEq(directory.taskCount(), 2);
    }
}
