// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IModelRegistry} from "../../contracts/interfaces/IModelRegistry.sol";
import {IMembership} from "../../contracts/interfaces/IMembership.sol";
import {Fixture} from "../utils/Fixture.sol";

/// @dev Random inputs of each bounded kind: accepted exactly inside the bound, refused with the
/// error that names it outside.
contract InputBoundsFuzzTest is Fixture {
    function testFuzz_grantExpiry_acceptedUpToTheMaxAndRefusedBeyond(uint64 ahead) public {
        uint256 model = publish(9000, 9000);
        uint64 now_ = uint64(block.timestamp);
        ahead = uint64(bound(ahead, 1, type(uint64).max - now_));
        uint64 expiresAt = now_ + ahead;
        uint64 max = now_ + registry.MAX_GRANT_DURATION();
        if (expiresAt > max) {
            vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RegistryGrantExpiryTooFar.selector, expiresAt, max));
        }
        vm.prank(instA);
        registry.grantPatientAccess(patient, model, expiresAt);
        if (expiresAt <= max) assertEq(registry.patientGrant(patient, model).expiresAt, expiresAt);
    }

    function testFuzz_publish_acceptsOnlyRawAndDagPb(uint32 codec) public {
        vm.assume(codec != 0);
        IModelRegistry.PublishParams memory p = params(9000, 9000);
        p.content.codec = codec;
        bool accepted = codec == RAW || codec == DAG_PB;
        if (!accepted) {
            vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RegistryUnsupportedCidCodec.selector, codec));
        }
        vm.prank(publisher);
        registry.publish(p);
    }

    function testFuzz_admit_boundsTheName(uint16 length) public {
        length = uint16(bound(length, 1, 600));
        address candidate = makeAddr("candidate");
        if (length > membership.MAX_NAME_BYTES()) {
            vm.expectRevert(abi.encodeWithSelector(IMembership.MembershipNameTooLong.selector, length, 128));
        }
        vm.prank(admin);
        membership.admit(candidate, string(new bytes(length)), "");
    }
}
