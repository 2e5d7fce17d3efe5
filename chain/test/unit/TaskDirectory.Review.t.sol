// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ModelRegistry} from "../../contracts/ModelRegistry.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IModelRegistry} from "../../contracts/interfaces/IModelRegistry.sol";
import {ITaskDirectory} from "../../contracts/interfaces/ITaskDirectory.sol";
import {TaskFixture} from "../utils/TaskFixture.sol";

/// @dev Security review of issue 15: what one task's standing gives in another task's registry,
/// and the registry's admin count that lets the directory require governance as its only admin.
contract TaskDirectoryReviewTest is TaskFixture {
    string internal constant SEGMENT = "brain-tumor-mri/segmentation";
    bytes32 internal constant SEGMENT_TASK = keccak256("brain-tumor-mri/segmentation");

    /// Staff are per registry: staff added by A in the binary registry only is nobody in the type
    /// registry (no download, no key, no staff of its own), while A's membership holds in both.
    function test_staffOfOneTaskCannotActInAnother() public {
        address binaryOnly = makeAddr("binaryOnly");
        vm.prank(instA);
        registry.addStaff(binaryOnly);
        uint256 typeModel = publishType(9000, 9000);
        uint256 binaryModel = publish(9000, 9000);
        assertTrue(registry.canDownload(binaryOnly, binaryModel));
        assertEq(uint8(typeRegistry.rolesOf(binaryOnly).kind), uint8(IModelRegistry.AccountKind.None));
        assertFalse(typeRegistry.canDownload(binaryOnly, typeModel));
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.RegistryDownloadNotAuthorized.selector, binaryOnly, typeModel)
        );
        vm.prank(binaryOnly);
        typeRegistry.recordDownload(typeModel);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RegistryNotAuthorizedAccount.selector, binaryOnly));
        vm.prank(binaryOnly);
        typeRegistry.setEncryptionKey(keccak256("key"));
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RegistryNotMemberInstitution.selector, binaryOnly));
        vm.prank(binaryOnly);
        typeRegistry.addStaff(outsider);
        // A patient grant is for one registry's model too.
        vm.prank(instA);
        registry.grantPatientAccess(patient, binaryModel, uint64(block.timestamp + 1 days));
        assertFalse(typeRegistry.canDownload(patient, typeModel));
    }

    /// Was a known gap (issue 15's review): `addTask` checked only that the timelock holds the
    /// registry's admin role, so a registry whose deployer kept DEFAULT_ADMIN_ROLE was listed and
    /// the deployer could grant roles or upgrade it without a vote. The registry now counts its
    /// admins and the directory requires exactly one.
    function test_aRegistryWithASecondAdminIsRefused() public {
        address deployer = makeAddr("registryDeployer");
        ModelRegistry segment = deployTaskRegistry(SEGMENT_TASK, deployer, address(membership));
        vm.prank(deployer);
        segment.grantRole(bytes32(0), admin);
        assertEq(segment.adminCount(), 2);
        vm.expectRevert(
            abi.encodeWithSelector(ITaskDirectory.TaskDirectoryRegistryNotSolelyGoverned.selector, address(segment), 2)
        );
        vm.prank(admin);
        directory.addTask(SEGMENT, address(segment));
        // Once the deployer renounces, governance alone administers it and the task is listed.
        vm.prank(deployer);
        segment.renounceRole(bytes32(0), deployer);
        assertEq(segment.adminCount(), 1);
        vm.prank(admin);
        directory.addTask(SEGMENT, address(segment));
        assertEq(directory.registryOf(SEGMENT_TASK), address(segment));
    }

    /// The count follows every way DEFAULT_ADMIN_ROLE changes hands, and only real changes: a
    /// second grant to a holder, a revocation of a non-holder and other roles leave it alone.
    function test_adminCountFollowsGrantsRevocationsAndRenouncements() public {
        address deployer = makeAddr("registryDeployer");
        ModelRegistry segment = deployTaskRegistry(SEGMENT_TASK, deployer, address(membership));
        assertEq(segment.adminCount(), 1);
        vm.startPrank(deployer);
        segment.grantRole(bytes32(0), admin);
        segment.grantRole(bytes32(0), admin);
        segment.grantRole(bytes32(0), outsider);
        assertEq(segment.adminCount(), 3);
        segment.revokeRole(bytes32(0), outsider);
        segment.revokeRole(bytes32(0), outsider);
        segment.revokeRole(bytes32(0), makeAddr("neverAdmin"));
        segment.grantRole(segment.AUDITOR_ROLE(), outsider);
        assertEq(segment.adminCount(), 2);
        vm.stopPrank();
        vm.prank(admin);
        segment.renounceRole(bytes32(0), admin);
        assertEq(segment.adminCount(), 1);
        vm.prank(deployer);
        segment.renounceRole(bytes32(0), deployer);
        assertEq(segment.adminCount(), 0);
    }

    /// A registry that cannot say how many admins it has (code from before the count) is refused
    /// with the count "unknown", not listed on the strength of `hasRole` alone.
    function test_aRegistryThatDoesNotCountItsAdminsIsRefused() public {
        UncountedRegistry uncounted = new UncountedRegistry(SEGMENT_TASK, address(membership), admin);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskDirectory.TaskDirectoryRegistryNotSolelyGoverned.selector, address(uncounted), type(uint256).max
            )
        );
        vm.prank(admin);
        directory.addTask(SEGMENT, address(uncounted));
    }

    /// `initializeAdminCount` starts the count of an upgraded registry and changes nothing on one
    /// that counts; only an admin may call it.
    function test_initializeAdminCountOnlyStartsAnUncountedCount() public {
        address deployer = makeAddr("registryDeployer");
        ModelRegistry segment = deployTaskRegistry(SEGMENT_TASK, deployer, address(membership));
        vm.startPrank(deployer);
        segment.grantRole(bytes32(0), admin);
        segment.initializeAdminCount();
        vm.stopPrank();
        assertEq(segment.adminCount(), 2, "a counted registry keeps its count");
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, outsider, bytes32(0)
            )
        );
        vm.prank(outsider);
        segment.initializeAdminCount();
    }
}

/// @dev A registry as before the admin count: answers like a registry, has no `adminCount()`.
contract UncountedRegistry {
    bytes32 public taskId;
    address public membership;
    address internal governed;

    constructor(bytes32 task, address membershipAddress, address admin) {
        taskId = task;
        membership = membershipAddress;
        governed = admin;
    }

    function hasRole(bytes32 role, address account) external view returns (bool) {
        return role == bytes32(0) && account == governed;
    }
}
