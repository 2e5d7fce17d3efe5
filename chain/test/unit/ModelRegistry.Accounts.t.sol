// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {ModelRegistry} from "../../contracts/ModelRegistry.sol";
import {IModelRegistry} from "../../contracts/interfaces/IModelRegistry.sol";
import {Fixture} from "../utils/Fixture.sol";

contract ModelRegistryAccountsTest is Fixture {
    function test_addStaff_andRemoveStaff() public {
        address nurse = makeAddr("nurse");
        vm.expectEmit(address(registry));
        emit IModelRegistry.StaffAdded(nurse, idA, instA);
        vm.prank(instA);
        registry.addStaff(nurse);
        IModelRegistry.AccountRoles memory r = registry.rolesOf(nurse);
        assertEq(uint256(r.kind), uint256(IModelRegistry.AccountKind.Staff));
        assertEq(r.institutionId, idA);
        assertTrue(r.institutionActive);
        vm.expectEmit(address(registry));
        emit IModelRegistry.StaffRemoved(nurse, idA, instA);
        vm.prank(instA);
        registry.removeStaff(nurse);
        assertEq(uint256(registry.rolesOf(nurse).kind), 0);
    }

    function test_addStaff_revertsOnBadCallerOrAccount() public {
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.RegistryStaffCannotActForInstitution.selector, clinician, idB)
        );
        vm.prank(clinician);
        registry.addStaff(outsider);
        vm.startPrank(instA);
        vm.expectRevert(IModelRegistry.RegistryZeroAddress.selector);
        registry.addStaff(address(0));
        vm.expectRevert(
            abi.encodeWithSelector(
                IModelRegistry.RegistryAccountAlreadyRegistered.selector, instB, IModelRegistry.AccountKind.Member
            )
        );
        registry.addStaff(instB);
        vm.expectRevert(
            abi.encodeWithSelector(
                IModelRegistry.RegistryAccountAlreadyRegistered.selector, clinician, IModelRegistry.AccountKind.Staff
            )
        );
        registry.addStaff(clinician);
        vm.stopPrank();
        vm.prank(admin);
        registry.pause();
        vm.expectRevert(IModelRegistry.RegistryPaused.selector);
        vm.prank(instA);
        registry.addStaff(outsider);
    }

    function test_addStaff_acceptsStaffOfARemovedInstitution() public {
        vm.prank(admin);
        membership.remove(idB);
        assertFalse(registry.rolesOf(clinician).institutionActive);
        vm.prank(instA);
        registry.addStaff(clinician);
        assertEq(registry.rolesOf(clinician).institutionId, idA);
    }

    function test_removeStaff_revertsForOtherInstitutionsStaff() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RegistryNotStaffOfInstitution.selector, clinician, idA));
        vm.prank(instA);
        registry.removeStaff(clinician);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RegistryNotMemberInstitution.selector, outsider));
        vm.prank(outsider);
        registry.removeStaff(clinician);
    }

    function test_setEncryptionKey_forAuthorizedAccounts() public {
        uint256 model = publish(9000, 9000);
        vm.prank(instA);
        registry.grantPatientAccess(patient, model, uint64(block.timestamp + 10));
        address[4] memory accounts = [instA, clinician, patient, publisher];
        for (uint256 i; i < 4; ++i) {
            bytes32 key = keccak256(abi.encode(i));
            vm.expectEmit(address(registry));
            emit IModelRegistry.EncryptionKeySet(accounts[i], 0, key);
            vm.prank(accounts[i]);
            registry.setEncryptionKey(key);
            assertEq(registry.encryptionKeyOf(accounts[i]), key);
        }
        vm.expectEmit(address(registry));
        emit IModelRegistry.EncryptionKeySet(instA, keccak256(abi.encode(0)), bytes32(uint256(7)));
        vm.prank(instA);
        registry.setEncryptionKey(bytes32(uint256(7)));
        assertEq(registry.rolesOf(instA).encryptionKey, bytes32(uint256(7)));
    }

    function test_setEncryptionKey_publisherWithoutInstitutionStillMayRegister() public {
        vm.prank(instA);
        registry.removeStaff(publisher);
        vm.prank(publisher);
        registry.setEncryptionKey(bytes32(uint256(1)));
        assertEq(registry.encryptionKeyOf(publisher), bytes32(uint256(1)));
    }

    function test_setEncryptionKey_revertsOnBadInput() public {
        vm.expectRevert(IModelRegistry.RegistryInvalidEncryptionKey.selector);
        vm.prank(instA);
        registry.setEncryptionKey(0);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RegistryNotAuthorizedAccount.selector, outsider));
        vm.prank(outsider);
        registry.setEncryptionKey(bytes32(uint256(1)));
        vm.prank(admin);
        registry.pause();
        vm.expectRevert(IModelRegistry.RegistryPaused.selector);
        vm.prank(instA);
        registry.setEncryptionKey(bytes32(uint256(1)));
    }

    function test_grantPatientAccess_andRevoke() public {
        uint256 model = publish(9000, 9000);
        uint64 expiry = uint64(block.timestamp + 3600);
        vm.expectEmit(address(registry));
        emit IModelRegistry.PatientAccessGranted(patient, model, idA, expiry);
        vm.prank(instA);
        registry.grantPatientAccess(patient, model, expiry);
        IModelRegistry.Grant memory g = registry.patientGrant(patient, model);
        assertEq(g.expiresAt, expiry);
        assertEq(g.institutionId, idA);
        assertEq(uint256(registry.rolesOf(patient).kind), uint256(IModelRegistry.AccountKind.Patient));
        // Granting to staff keeps them staff.
        vm.prank(instA);
        registry.grantPatientAccess(clinician, model, expiry);
        assertEq(uint256(registry.rolesOf(clinician).kind), uint256(IModelRegistry.AccountKind.Staff));

        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RegistryNoGrant.selector, patient, model, idB));
        vm.prank(instB);
        registry.revokePatientAccess(patient, model);
        vm.expectEmit(address(registry));
        emit IModelRegistry.PatientAccessRevoked(patient, model, idA);
        vm.prank(instA);
        registry.revokePatientAccess(patient, model);
        assertEq(registry.patientGrant(patient, model).expiresAt, 0);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RegistryNoGrant.selector, patient, model, idA));
        vm.prank(instA);
        registry.revokePatientAccess(patient, model);
    }

    function test_grantPatientAccess_revertsOnBadInput() public {
        uint256 model = publish(9000, 9000);
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.RegistryStaffCannotActForInstitution.selector, clinician, idB)
        );
        vm.prank(clinician);
        registry.grantPatientAccess(patient, model, uint64(block.timestamp + 1));
        vm.startPrank(instA);
        vm.expectRevert(IModelRegistry.RegistryZeroAddress.selector);
        registry.grantPatientAccess(address(0), model, uint64(block.timestamp + 1));
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RegistryModelNotActive.selector, 5));
        registry.grantPatientAccess(patient, 5, uint64(block.timestamp + 1));
        vm.expectRevert(
            abi.encodeWithSelector(
                IModelRegistry.RegistryGrantExpiryInPast.selector, uint64(block.timestamp), uint64(block.timestamp)
            )
        );
        registry.grantPatientAccess(patient, model, uint64(block.timestamp));
        vm.stopPrank();
        vm.prank(admin);
        registry.pause();
        vm.expectRevert(IModelRegistry.RegistryPaused.selector);
        vm.prank(instA);
        registry.grantPatientAccess(patient, model, uint64(block.timestamp + 1));
    }

    function test_onMembershipChanged_onlyFromMembership() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RegistryOnlyMembership.selector, outsider));
        vm.prank(outsider);
        registry.onMembershipChanged(outsider, 9, true);
    }

    function test_membershipChanges_areMirrored() public {
        address newcomer = makeAddr("newcomer");
        vm.expectEmit(address(registry));
        emit IModelRegistry.MembershipSynced(newcomer, 3, true);
        vm.prank(admin);
        uint256 id = membership.admit(newcomer, "Cedar Clinic", "");
        assertEq(uint256(registry.rolesOf(newcomer).kind), uint256(IModelRegistry.AccountKind.Member));
        vm.prank(admin);
        membership.remove(id);
        assertEq(uint256(registry.rolesOf(newcomer).kind), 0);
    }

    function test_rolesOf_reportsRoles() public view {
        IModelRegistry.AccountRoles memory r = registry.rolesOf(publisher);
        assertTrue(r.publisher);
        assertFalse(r.auditor);
        assertTrue(registry.rolesOf(auditor).auditor);
        assertTrue(registry.rolesOf(guardian).guardian);
        assertTrue(registry.rolesOf(admin).admin);
        assertFalse(registry.rolesOf(outsider).institutionActive);
    }
}
