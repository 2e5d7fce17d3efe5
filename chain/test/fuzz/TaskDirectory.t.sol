// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ModelRegistry} from "../../contracts/ModelRegistry.sol";
import {ITaskDirectory} from "../../contracts/interfaces/ITaskDirectory.sol";
import {TaskFixture} from "../utils/TaskFixture.sol";

/// @dev addTask with any name and any registry address: a name is taken iff it has 1..128 bytes
/// of `a-z 0-9 - _ . /` and a genuine registry of that task is given; anything else is refused with
/// a named error.
contract TaskDirectoryFuzzTest is TaskFixture {
    /// @dev The index of the first byte outside `a-z 0-9 - _ . /`, or type(uint256).max.
    function firstBadCharacter(bytes memory name) internal pure returns (uint256) {
        for (uint256 i; i < name.length; ++i) {
            bytes1 c = name[i];
            bool ok = (c >= "a" && c <= "z") || (c >= "0" && c <= "9") || c == "-" || c == "_" || c == "."
                || c == "/";
            if (!ok) return i;
        }
        return type(uint256).max;
    }

    /// @dev A well-formed name made from a seed (fuzzed strings are rarely well-formed).
    function wellFormedName(uint256 seed) internal pure returns (string memory) {
        bytes memory alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-_./";
        uint256 length = bound(seed, 1, 128);
        bytes memory name = new bytes(length);
        for (uint256 i; i < length; ++i) {
            name[i] = alphabet[uint256(keccak256(abi.encode(seed, i))) % alphabet.length];
        }
        return string(name);
    }

    function testFuzz_anyNameWithItsOwnRegistry(string calldata task) public {
        bytes32 id = keccak256(bytes(task));
        vm.assume(id != TASK && id != TYPE_TASK);
        ModelRegistry own = deployTaskRegistry(id, admin, address(membership));
        uint256 length = bytes(task).length;
        uint256 bad = firstBadCharacter(bytes(task));
        bool refused = length == 0 || length > 128 || bad != type(uint256).max;
        if (length == 0) vm.expectRevert(ITaskDirectory.TaskDirectoryEmptyName.selector);
        else if (length > 128) {
            vm.expectRevert(abi.encodeWithSelector(ITaskDirectory.TaskDirectoryNameTooLong.selector, length, 128));
        } else if (bad != type(uint256).max) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    ITaskDirectory.TaskDirectoryInvalidNameCharacter.selector, bad, bytes(task)[bad]
                )
            );
        }
        vm.prank(admin);
        directory.addTask(task, address(own));
        if (refused) {
            assertEq(directory.taskCount(), 2);
            return;
        }
        assertEq(directory.taskCount(), 3);
        assertEq(directory.registryOf(id), address(own));
        (, string memory stored,) = directory.taskAt(2);
        assertEq(stored, task);
        assertEq(own.rolesOf(instA).institutionId, idA);
    }

    function testFuzz_wellFormedNameWithItsOwnRegistryIsAdded(uint256 seed) public {
        string memory task = wellFormedName(seed);
        bytes32 id = keccak256(bytes(task));
        vm.assume(id != TASK && id != TYPE_TASK);
        ModelRegistry own = deployTaskRegistry(id, admin, address(membership));
        vm.prank(admin);
        directory.addTask(task, address(own));
        assertEq(directory.registryOf(id), address(own));
    }

    function testFuzz_anyNameWithAnotherTasksRegistryIsRefused(string calldata task) public {
        uint256 length = bytes(task).length;
        vm.assume(length > 0 && length <= 128);
        bytes32 id = keccak256(bytes(task));
        vm.assume(id != TYPE_TASK);
        ModelRegistry typeTwo = deployTaskRegistry(TYPE_TASK, admin, address(membership));
        uint256 bad = firstBadCharacter(bytes(task));
        if (bad != type(uint256).max) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    ITaskDirectory.TaskDirectoryInvalidNameCharacter.selector, bad, bytes(task)[bad]
                )
            );
        } else {
            vm.expectRevert(
                abi.encodeWithSelector(
                    ITaskDirectory.TaskDirectoryTaskMismatch.selector, address(typeTwo), id, TYPE_TASK
                )
            );
        }
        vm.prank(admin);
        directory.addTask(task, address(typeTwo));
    }

    function testFuzz_wellFormedNameWithAnotherTasksRegistryIsRefused(uint256 seed) public {
        string memory task = wellFormedName(seed);
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
