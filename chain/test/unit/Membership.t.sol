// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {Membership} from "../../contracts/Membership.sol";
import {IMembership} from "../../contracts/interfaces/IMembership.sol";
import {Fixture} from "../utils/Fixture.sol";
import {MembershipHarness} from "../utils/MembershipHarness.sol";

contract MembershipTest is Fixture {
    function test_admit_mintsALockedTokenWithOneSelfDelegatedVote() public {
        address newcomer = makeAddr("newcomer");
        vm.expectEmit(address(membership));
        emit IMembership.Locked(3);
        vm.expectEmit(address(membership));
        emit IMembership.InstitutionAdmitted(3, newcomer, "Cedar Clinic", "ipfs://c");
        vm.prank(admin);
        uint256 id = membership.admit(newcomer, "Cedar Clinic", "ipfs://c");
        assertEq(id, 3);
        assertEq(membership.ownerOf(id), newcomer);
        assertTrue(membership.locked(id));
        assertEq(membership.getVotes(newcomer), 1);
        assertEq(membership.delegates(newcomer), newcomer);
        assertEq(membership.memberCount(), 3);
        assertTrue(membership.isMember(newcomer));
        assertEq(membership.institutionOf(newcomer), 3);
        IMembership.Institution memory profile = membership.institution(id);
        assertEq(profile.account, newcomer);
        assertEq(profile.name, "Cedar Clinic");
        assertEq(profile.metadataURI, "ipfs://c");
        assertEq(profile.admittedAt, block.timestamp);
    }

    function test_admit_revertsOnBadInput() public {
        vm.startPrank(admin);
        vm.expectRevert(IMembership.MembershipZeroAddress.selector);
        membership.admit(address(0), "x", "");
        vm.expectRevert(IMembership.MembershipEmptyName.selector);
        membership.admit(outsider, "", "");
        vm.expectRevert(abi.encodeWithSelector(IMembership.MembershipAlreadyMember.selector, instA));
        membership.admit(instA, "again", "");
        vm.stopPrank();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, instA, bytes32(0))
        );
        vm.prank(instA);
        membership.admit(outsider, "x", "");
    }

    function test_remove_burnsTheTokenAndItsVote() public {
        vm.warp(1000);
        vm.expectEmit(address(membership));
        emit IMembership.InstitutionRemoved(idB, instB);
        vm.prank(admin);
        membership.remove(idB);
        assertEq(membership.getVotes(instB), 0);
        assertEq(membership.memberCount(), 1);
        assertFalse(membership.isMember(instB));
        assertEq(membership.institutionOf(instB), 0);
        vm.warp(1001);
        assertEq(membership.getPastTotalSupply(1000), 1);
        vm.expectRevert(abi.encodeWithSelector(IMembership.MembershipUnknownInstitution.selector, idB));
        membership.institution(idB);
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, idB));
        membership.locked(idB);
        // Re-admission gives a new id and the vote back.
        vm.prank(admin);
        uint256 again = membership.admit(instB, "Borealis Medical Center", "");
        assertEq(again, 3);
        assertEq(membership.getVotes(instB), 1);
    }

    function test_remove_revertsForUnknownIdOrNonAdmin() public {
        vm.expectRevert(abi.encodeWithSelector(IMembership.MembershipUnknownInstitution.selector, 9));
        vm.prank(admin);
        membership.remove(9);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, instA, bytes32(0))
        );
        vm.prank(instA);
        membership.remove(idB);
    }

    function test_tokens_neverMove() public {
        vm.startPrank(instA);
        vm.expectRevert(abi.encodeWithSelector(IMembership.MembershipNotTransferable.selector, idA));
        membership.transferFrom(instA, outsider, idA);
        vm.expectRevert(abi.encodeWithSelector(IMembership.MembershipNotTransferable.selector, idA));
        membership.safeTransferFrom(instA, outsider, idA);
        vm.expectRevert(abi.encodeWithSelector(IMembership.MembershipNotTransferable.selector, idA));
        membership.approve(outsider, idA);
        vm.expectRevert(abi.encodeWithSelector(IMembership.MembershipNotTransferable.selector, 0));
        membership.setApprovalForAll(outsider, true);
        vm.expectRevert(IMembership.MembershipDelegationDisabled.selector);
        membership.delegate(instB);
        vm.expectRevert(IMembership.MembershipDelegationDisabled.selector);
        membership.delegateBySig(instB, 0, 0, 0, 0, 0);
        vm.stopPrank();
        assertEq(membership.ownerOf(idA), instA);
    }

    function test_updateProfile_byInstitutionOrAdmin() public {
        vm.expectEmit(address(membership));
        emit IMembership.InstitutionProfileUpdated(idA, "Aurora UH", "ipfs://new");
        vm.prank(instA);
        membership.updateProfile(idA, "Aurora UH", "ipfs://new");
        assertEq(membership.institution(idA).name, "Aurora UH");
        vm.prank(admin);
        membership.updateProfile(idA, "Aurora", "");
        assertEq(membership.institution(idA).metadataURI, "");
    }

    function test_updateProfile_revertsOnBadCallerOrInput() public {
        vm.expectRevert(abi.encodeWithSelector(IMembership.MembershipNotProfileEditor.selector, instB, idA));
        vm.prank(instB);
        membership.updateProfile(idA, "x", "");
        vm.expectRevert(abi.encodeWithSelector(IMembership.MembershipUnknownInstitution.selector, 77));
        vm.prank(admin);
        membership.updateProfile(77, "x", "");
        vm.expectRevert(IMembership.MembershipEmptyName.selector);
        vm.prank(instA);
        membership.updateProfile(idA, "", "");
    }

    function test_setObserver_adminOnlyAndNotZero() public {
        // Any contract (the observer needs code since the security review of issue 15).
        address other = address(deployRegistry(admin, address(membership), new address[](0)));
        vm.expectEmit(address(membership));
        emit IMembership.ObserverChanged(address(registry), other);
        vm.prank(admin);
        membership.setObserver(other);
        assertEq(membership.observer(), other);
        vm.expectRevert(IMembership.MembershipZeroAddress.selector);
        vm.prank(admin);
        membership.setObserver(address(0));
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, instA, bytes32(0))
        );
        vm.prank(instA);
        membership.setObserver(instA);
    }

    /// @dev Security review (issue 15): every task registry takes membership changes from the
    /// observer the Membership names, so an account without code as observer (a typo in a
    /// proposal) could forge an admission in every registry.
    function test_setObserver_refusesAnAccountWithoutCode() public {
        vm.expectRevert(abi.encodeWithSelector(IMembership.MembershipObserverNotAContract.selector, outsider));
        vm.prank(admin);
        membership.setObserver(outsider);
        assertEq(membership.observer(), address(registry));
    }

    function test_withoutObserver_admitsWithoutNotifying() public {
        Membership lone = deployMembership(admin);
        vm.prank(admin);
        lone.admit(outsider, "Solo", "");
        assertEq(lone.observer(), address(0));
        assertEq(lone.memberCount(), 1);
    }

    function test_clockAndInterfaces() public view {
        assertEq(membership.clock(), block.timestamp);
        assertEq(membership.CLOCK_MODE(), "mode=timestamp");
        assertTrue(membership.supportsInterface(0xb45a3c0e)); // ERC-5192
        assertTrue(membership.supportsInterface(type(IERC721).interfaceId));
        assertTrue(membership.supportsInterface(type(IAccessControl).interfaceId));
        assertFalse(membership.supportsInterface(0xffffffff));
    }

    function test_upgrade_onlyByAdmin() public {
        address next = address(new Membership());
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, instA, bytes32(0))
        );
        vm.prank(instA);
        membership.upgradeToAndCall(next, "");
        vm.prank(admin);
        membership.upgradeToAndCall(next, "");
        assertEq(membership.memberCount(), 2);
    }

    function test_initialize_rejectsZeroAdmin() public {
        address impl = address(new Membership());
        bytes memory init = abi.encodeCall(Membership.initialize, (address(0), "N", "N"));
        vm.expectRevert(IMembership.MembershipZeroAddress.selector);
        new ERC1967Proxy(impl, init);
    }

    function test_increaseBalanceHook_reachesBothParents() public {
        MembershipHarness harness = new MembershipHarness();
        harness.increaseBalance(outsider, 1);
        assertEq(harness.balanceOf(outsider), 1);
        assertEq(harness.getVotes(outsider), 0); // no self-delegation without a mint
    }
}
