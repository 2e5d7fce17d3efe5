// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ModelRegistry} from "../../contracts/ModelRegistry.sol";
import {IModelRegistry} from "../../contracts/interfaces/IModelRegistry.sol";
import {TaskFixture} from "../utils/TaskFixture.sol";

/// @dev Security review of issue 15: what one task's standing gives in another task's registry,
/// and one gap the directory cannot close without a registry change (documented, not accepted).
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

    /// KNOWN GAP (reported, not accepted): `addTask` checks that the timelock holds the registry's
    /// admin role, not that it is the ONLY admin (AccessControl cannot enumerate holders). A
    /// registry whose deployer kept DEFAULT_ADMIN_ROLE is listed, and the deployer can then grant
    /// roles or upgrade it without a vote. Closing it needs ModelRegistry to enumerate its admins
    /// (AccessControlEnumerable), which does not fit in its 24,576 bytes; until then a proposal that
    /// adds a task must show the registry's RoleGranted/RoleRevoked history. When the registry can
    /// answer, this test turns into a refusal (TaskDirectoryRegistryNotGoverned).
    function test_knownGap_aRegistryWithASecondAdminIsListed() public {
        address deployer = makeAddr("registryDeployer");
        ModelRegistry segment = deployTaskRegistry(SEGMENT_TASK, deployer, address(membership));
        vm.startPrank(deployer);
        segment.grantRole(bytes32(0), admin);
        vm.stopPrank();
        vm.prank(admin);
        directory.addTask(SEGMENT, address(segment));
        assertEq(directory.registryOf(SEGMENT_TASK), address(segment));
        assertTrue(segment.hasRole(bytes32(0), deployer), "the deployer still administers a listed registry");
        // ... and can, for example, make anyone an auditor of that task without a vote.
        bytes32 auditorRole = segment.AUDITOR_ROLE();
        vm.prank(deployer);
        segment.grantRole(auditorRole, outsider);
        assertTrue(segment.rolesOf(outsider).auditor);
    }
}
