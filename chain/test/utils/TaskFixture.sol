// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {ModelRegistry} from "../../contracts/ModelRegistry.sol";
import {TaskDirectory} from "../../contracts/TaskDirectory.sol";
import {IModelRegistry} from "../../contracts/interfaces/IModelRegistry.sol";
import {Fixture} from "./Fixture.sol";

/// @dev The Fixture's consortium with two tasks: the binary registry (`registry`) and the type
/// registry (`typeRegistry`), both listed in a TaskDirectory that is the Membership's observer and
/// relays admissions to both. `admin` stands in for the governance timelock. A, B, the publisher
/// (staff of A) and the clinician (staff of B) are set up in both registries.
abstract contract TaskFixture is Fixture {
    string internal constant BINARY = "brain-tumor-mri/binary";
    string internal constant TYPE = "brain-tumor-mri/type";
    bytes32 internal constant TYPE_TASK = keccak256("brain-tumor-mri/type");

    TaskDirectory internal directory;
    ModelRegistry internal typeRegistry;

    function setUp() public virtual override {
        membership = deployMembership(admin);
        registry = deployRegistry(admin, address(membership), new address[](0));
        typeRegistry = deployTaskRegistry(TYPE_TASK, admin, address(membership));
        directory = deployDirectory(admin, admin, address(membership));
        vm.startPrank(admin);
        membership.setObserver(address(directory));
        directory.addTask(BINARY, address(registry));
        directory.addTask(TYPE, address(typeRegistry));
        idA = membership.admit(instA, "Aurora University Hospital", "ipfs://a");
        idB = membership.admit(instB, "Borealis Medical Center", "");
        ModelRegistry[2] memory both = [registry, typeRegistry];
        for (uint256 i; i < 2; ++i) {
            both[i].grantRole(registry.PUBLISHER_ROLE(), publisher);
            both[i].grantRole(registry.AUDITOR_ROLE(), auditor);
            both[i].grantRole(registry.GUARDIAN_ROLE(), guardian);
        }
        vm.stopPrank();
        for (uint256 i; i < 2; ++i) {
            vm.prank(instA);
            both[i].addStaff(publisher);
            vm.prank(instB);
            both[i].addStaff(clinician);
        }
    }

    function deployDirectory(address owner, address governance, address membershipAddress)
        internal
        returns (TaskDirectory)
    {
        bytes memory init = abi.encodeCall(TaskDirectory.initialize, (owner, governance, membershipAddress));
        return TaskDirectory(address(new ERC1967Proxy(address(new TaskDirectory()), init)));
    }

    function deployTaskRegistry(bytes32 task, address owner, address membershipAddress)
        internal
        returns (ModelRegistry)
    {
        bytes memory init =
            abi.encodeCall(ModelRegistry.initialize, (owner, membershipAddress, task, new address[](0)));
        return ModelRegistry(address(new ERC1967Proxy(address(new ModelRegistry()), init)));
    }

    /// @dev A publish into the type registry (task id and metrics of the type task: f1 = macro F1).
    function publishType(uint16 f1, uint16 accuracy) internal returns (uint256) {
        IModelRegistry.PublishParams memory p = params(f1, accuracy);
        p.taskId = TYPE_TASK;
        vm.prank(publisher);
        return typeRegistry.publish(p);
    }
}

/// @dev Answers like a registry with a task id, membership and admin that a test sets at will.
contract FakeRegistry {
    bytes32 public taskId;
    address public membership;
    address public governed;

    constructor(bytes32 task, address membershipAddress, address admin) {
        taskId = task;
        membership = membershipAddress;
        governed = admin;
    }

    function setTask(bytes32 task) external {
        taskId = task;
    }

    function hasRole(bytes32 role, address account) external view returns (bool) {
        return role == bytes32(0) && account == governed;
    }

    function adminCount() external pure returns (uint256) {
        return 1;
    }

    /// @dev Holds nobody: the directory's sync tells it of every member.
    function rolesOf(address) external pure returns (IModelRegistry.AccountRoles memory roles) {
        return roles;
    }

    function onMembershipChanged(address, uint256, bool) external {}
}

/// @dev Answers every call with one byte, too short for a word.
contract ShortAnswer {
    fallback() external {
        assembly {
            mstore(0, 1)
            return(31, 1)
        }
    }
}
