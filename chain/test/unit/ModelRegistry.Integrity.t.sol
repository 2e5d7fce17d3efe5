// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IModelRegistry} from "../../contracts/interfaces/IModelRegistry.sol";
import {IMembership} from "../../contracts/interfaces/IMembership.sol";
import {Fixture} from "../utils/Fixture.sol";

/// @dev Issue 11 kinds 2, 3 (contract side) and 9: card binding, keepers, previous keyring,
/// content-key rotation, input bounds and errors that name the real reason.
contract ModelRegistryIntegrityTest is Fixture {
    uint256 internal model;
    address internal nurseA = makeAddr("nurseA");

    function setUp() public override {
        super.setUp();
        vm.prank(instA);
        registry.addStaff(nurseA);
        model = publish(9000, 9000);
    }

    // ------------------------------------------------------------ kind 2: card bound at publish

    function test_publish_bindsTheCardHashAndEmitsIt() public {
        IModelRegistry.PublishParams memory p = params(8000, 8000);
        uint256 expectedId = registry.nextModelId();
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelCardBound(expectedId, p.cardHash);
        vm.prank(publisher);
        uint256 id = registry.publish(p);
        assertEq(registry.cardHashOf(id), p.cardHash);
        IModelRegistry.Model memory m = registry.getModel(id);
        assertEq(m.cardHash, p.cardHash);
        assertEq(m.contentVersion, 1);
        assertEq(m.previousKeyring.digest, bytes32(0));
    }

    function test_publish_revertsOnZeroCardHash() public {
        IModelRegistry.PublishParams memory p = params(8000, 8000);
        p.cardHash = bytes32(0);
        vm.expectRevert(IModelRegistry.RegistryInvalidCardHash.selector);
        vm.prank(publisher);
        registry.publish(p);
    }

    function test_cardHashOf_revertsForAModelNotKept() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RegistryModelNotActive.selector, 99));
        registry.cardHashOf(99);
    }

    function test_updateKeyring_neverChangesCardContentOrSha() public {
        IModelRegistry.Model memory before = registry.getModel(model);
        vm.prank(instA);
        registry.updateKeyring(model, cid("keyring-next", 1));
        IModelRegistry.Model memory afterUpdate = registry.getModel(model);
        assertEq(afterUpdate.cardHash, before.cardHash);
        assertEq(afterUpdate.content.digest, before.content.digest);
        assertEq(afterUpdate.sha256, before.sha256);
    }

    function test_updateKeyring_keepsTheReplacedKeyringAsPrevious() public {
        IModelRegistry.Cid memory first = registry.getModel(model).keyring;
        vm.prank(nurseA);
        registry.updateKeyring(model, cid("keyring-next", 1));
        IModelRegistry.Model memory m = registry.getModel(model);
        assertEq(m.previousKeyring.digest, first.digest);
        assertEq(m.previousKeyring.codec, first.codec);
        vm.prank(instA);
        registry.updateKeyring(model, cid("keyring-next", 2));
        assertEq(registry.getModel(model).previousKeyring.digest, cid("keyring-next", 1).digest);
    }

    function test_updateKeyring_revertsWhenUnchanged() public {
        IModelRegistry.Cid memory current = registry.getModel(model).keyring;
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RegistryKeyringUnchanged.selector, model));
        vm.prank(instA);
        registry.updateKeyring(model, current);
    }

    /// @dev The attack of issue 11: a staff account of another institution replaced model 1's keyring.
    function test_updateKeyring_revertsForAnotherInstitutionsStaffAndMember() public {
        address[2] memory others = [clinician, instB];
        for (uint256 i; i < 2; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(IModelRegistry.RegistryNotKeyringUpdater.selector, others[i], model)
            );
            vm.prank(others[i]);
            registry.updateKeyring(model, cid("forged", i));
        }
    }

    function test_updateKeyring_revertsForARemovedStaffPublisher() public {
        vm.prank(instA);
        registry.removeStaff(publisher);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RegistryNotKeyringUpdater.selector, publisher, model));
        vm.prank(publisher);
        registry.updateKeyring(model, cid("k", 7));
    }

    function test_updateKeyring_byAnyMemberOnceThePublishingInstitutionLeft() public {
        vm.prank(admin);
        membership.remove(idA);
        vm.prank(nurseA);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RegistryNotKeyringUpdater.selector, nurseA, model));
        registry.updateKeyring(model, cid("k", 8));
        vm.prank(clinician);
        registry.updateKeyring(model, cid("k", 9));
        assertEq(registry.getModel(model).keyring.digest, cid("k", 9).digest);
    }

    // ------------------------------------------------------------ kind 3: content-key rotation

    function test_rotateContentKey_replacesContentAndKeyringKeepsShaAndCard() public {
        IModelRegistry.Model memory before = registry.getModel(model);
        vm.prank(instA);
        registry.updateKeyring(model, cid("keyring-next", 1));
        IModelRegistry.Cid memory content = cid("rotated-content", 1);
        IModelRegistry.Cid memory keyring = cid("rotated-keyring", 1);
        vm.expectEmit(address(registry));
        emit IModelRegistry.ContentKeyRotated(model, nurseA, content, keyring, 2, 3);
        vm.prank(nurseA);
        registry.rotateContentKey(model, content, keyring);
        IModelRegistry.Model memory m = registry.getModel(model);
        assertEq(m.content.digest, content.digest);
        assertEq(m.keyring.digest, keyring.digest);
        assertEq(m.keyringVersion, 3);
        assertEq(m.contentVersion, 2);
        assertEq(m.sha256, before.sha256);
        assertEq(m.cardHash, before.cardHash);
        // The previous keyring wrapped the old content key: no fallback across a rotation.
        assertEq(m.previousKeyring.digest, bytes32(0));
        assertEq(m.previousKeyring.codec, 0);
        // Downloads go on.
        vm.prank(clinician);
        registry.recordDownload(model);
    }

    function test_rotateContentKey_revertsForOthersAndOnBadInput() public {
        IModelRegistry.Model memory m = registry.getModel(model);
        address[3] memory others = [clinician, instB, outsider];
        for (uint256 i; i < 3; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(IModelRegistry.RegistryNotKeyringUpdater.selector, others[i], model)
            );
            vm.prank(others[i]);
            registry.rotateContentKey(model, cid("c", i), cid("k", i));
        }
        vm.startPrank(instA);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RegistryContentUnchanged.selector, model));
        registry.rotateContentKey(model, m.content, cid("k", 1));
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RegistryKeyringUnchanged.selector, model));
        registry.rotateContentKey(model, cid("c", 1), m.keyring);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RegistryUnsupportedCidCodec.selector, uint32(0x71)));
        registry.rotateContentKey(model, IModelRegistry.Cid({digest: keccak256("c"), codec: 0x71}), cid("k", 1));
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RegistryModelNotActive.selector, 77));
        registry.rotateContentKey(77, cid("c", 1), cid("k", 1));
        vm.stopPrank();
        vm.prank(admin);
        registry.pause();
        vm.expectRevert(IModelRegistry.RegistryPaused.selector);
        vm.prank(instA);
        registry.rotateContentKey(model, cid("c", 1), cid("k", 1));
    }

    function test_revoke_clearsTheSeatsBinding() public {
        uint256 second = publish(8000, 8000);
        vm.prank(admin);
        registry.revoke(second, "withdrawn");
        uint256 third = publish(7000, 7000);
        IModelRegistry.Model memory m = registry.getModel(third);
        assertEq(m.contentVersion, 1);
        assertEq(m.previousKeyring.digest, bytes32(0));
    }

    // ------------------------------------------------------------ kind 9: bounds, clear errors

    function test_publish_revertsOnCodecsTheProductDoesNotWrite() public {
        uint32[4] memory codecs = [uint32(0x71), 0x0129, 0x0200, 0x01];
        for (uint256 i; i < codecs.length; ++i) {
            IModelRegistry.PublishParams memory p = params(8000, 8000);
            p.content.codec = codecs[i];
            vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RegistryUnsupportedCidCodec.selector, codecs[i]));
            vm.prank(publisher);
            registry.publish(p);
            p.content.codec = DAG_PB;
            p.keyring.codec = codecs[i];
            vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RegistryUnsupportedCidCodec.selector, codecs[i]));
            vm.prank(publisher);
            registry.publish(p);
        }
    }

    function test_publish_revertsOnAnEmptyTestSet() public {
        IModelRegistry.PublishParams memory p = params(8000, 8000);
        p.metrics.testSetSize = 0;
        vm.expectRevert(IModelRegistry.RegistryEmptyTestSet.selector);
        vm.prank(publisher);
        registry.publish(p);
    }

    function test_grantPatientAccess_revertsWhenTooFarAhead() public {
        uint64 max = uint64(block.timestamp) + registry.MAX_GRANT_DURATION();
        vm.startPrank(instA);
        registry.grantPatientAccess(patient, model, max);
        // `grant --days 1e9`: a clear error instead of SafeCastOverflowedUintDowncast.
        uint64 farAhead = uint64(block.timestamp) + 1e9 * 1 days;
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RegistryGrantExpiryTooFar.selector, farAhead, max));
        registry.grantPatientAccess(patient, model, farAhead);
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.RegistryGrantExpiryTooFar.selector, type(uint64).max, max)
        );
        registry.grantPatientAccess(patient, model, type(uint64).max);
        vm.stopPrank();
    }

    function test_memberOnlyFunctions_tellStaffTheyAreStaff() public {
        vm.startPrank(nurseA);
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.RegistryStaffCannotActForInstitution.selector, nurseA, idA)
        );
        registry.grantPatientAccess(patient, model, uint64(block.timestamp + 1 days));
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.RegistryStaffCannotActForInstitution.selector, nurseA, idA)
        );
        registry.revokePatientAccess(patient, model);
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.RegistryStaffCannotActForInstitution.selector, nurseA, idA)
        );
        registry.removeStaff(clinician);
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RegistryNotMemberInstitution.selector, patient));
        vm.prank(patient);
        registry.addStaff(outsider);
    }

    function test_revoke_revertsOnAnOverlongReason() public {
        bytes memory reason = new bytes(1025);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RegistryReasonTooLong.selector, 1025, 1024));
        vm.prank(admin);
        registry.revoke(model, string(reason));
        vm.prank(admin);
        registry.revoke(model, string(new bytes(1024)));
        assertFalse(registry.isActive(model));
    }

    function test_membership_boundsNamesAndURIs() public {
        address candidate = makeAddr("candidate");
        vm.startPrank(admin);
        vm.expectRevert(abi.encodeWithSelector(IMembership.MembershipNameTooLong.selector, 129, 128));
        membership.admit(candidate, string(new bytes(129)), "");
        vm.expectRevert(abi.encodeWithSelector(IMembership.MembershipNameTooLong.selector, 20_000, 128));
        membership.admit(candidate, string(new bytes(20_000)), "");
        vm.expectRevert(abi.encodeWithSelector(IMembership.MembershipURITooLong.selector, 513, 512));
        membership.admit(candidate, "Delta", string(new bytes(513)));
        uint256 id = membership.admit(candidate, string(new bytes(128)), string(new bytes(512)));
        vm.stopPrank();
        vm.startPrank(candidate);
        vm.expectRevert(abi.encodeWithSelector(IMembership.MembershipNameTooLong.selector, 200, 128));
        membership.updateProfile(id, string(new bytes(200)), "");
        vm.expectRevert(abi.encodeWithSelector(IMembership.MembershipURITooLong.selector, 600, 512));
        membership.updateProfile(id, "Delta", string(new bytes(600)));
        vm.stopPrank();
    }
}
