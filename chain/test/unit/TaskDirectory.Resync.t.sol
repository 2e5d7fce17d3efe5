// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Vm} from "forge-std/Vm.sol";
import {IModelRegistry} from "../../contracts/interfaces/IModelRegistry.sol";
import {ITaskDirectory} from "../../contracts/interfaces/ITaskDirectory.sol";
import {FakeRegistry, TaskFixture} from "../utils/TaskFixture.sol";

/// @dev Governance points the Membership's observer away from the directory and back (a second
/// directory tried and dropped, say). What happened in between reached no registry: a removed
/// institution (and its staff) still acts there, an admitted one does not exist there. `resync`
/// brings every registry back in step with the Membership.
contract TaskDirectoryResyncTest is TaskFixture {
    address internal instD = makeAddr("instD");
    uint256 internal idD;
    uint256 internal modelId;

    function setUp() public override {
        super.setUp();
        modelId = publish(9000, 9000);
        FakeRegistry elsewhere = new FakeRegistry(bytes32(0), address(membership), admin);
        vm.startPrank(admin);
        membership.setObserver(address(elsewhere));
        membership.remove(idB);
        idD = membership.admit(instD, "Delta Hospital", "");
        membership.setObserver(address(directory));
        vm.stopPrank();
    }

    function removals(uint256 id, address account) internal pure returns (ITaskDirectory.Removal[] memory list) {
        list = new ITaskDirectory.Removal[](1);
        list[0] = ITaskDirectory.Removal({institutionId: id, account: account});
    }

    function test_theRegistriesMissedWhatHappenedWhileTheObserverWasElsewhere() public view {
        assertEq(uint8(registry.rolesOf(instB).kind), uint8(IModelRegistry.AccountKind.Member));
        assertTrue(registry.canDownload(clinician, modelId), "B's staff still downloads");
        assertEq(uint8(typeRegistry.rolesOf(instD).kind), uint8(IModelRegistry.AccountKind.None));
    }

    function test_resyncUndoesTheRemovalAndAddsTheAdmissionInEveryRegistry() public {
        vm.recordLogs();
        vm.prank(outsider); // anyone: it only makes the registries agree with the Membership
        directory.resync(removals(idB, instB));
        Vm.Log[] memory logs = vm.getRecordedLogs();
        bool emitted;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics[0] == ITaskDirectory.RegistriesResynced.selector) {
                assertEq(address(uint160(uint256(logs[i].topics[1]))), outsider);
                assertEq(abi.decode(logs[i].data, (uint256)), 2, "undone in both registries");
                emitted = true;
            }
        }
        assertTrue(emitted, "RegistriesResynced");
        IModelRegistry[2] memory both = [IModelRegistry(address(registry)), IModelRegistry(address(typeRegistry))];
        for (uint256 i; i < 2; ++i) {
            assertEq(uint8(both[i].rolesOf(instB).kind), uint8(IModelRegistry.AccountKind.None));
            assertFalse(both[i].rolesOf(clinician).institutionActive, "B's staff acts for nobody");
            IModelRegistry.AccountRoles memory d = both[i].rolesOf(instD);
            assertEq(uint8(d.kind), uint8(IModelRegistry.AccountKind.Member));
            assertEq(d.institutionId, idD);
            assertEq(both[i].rolesOf(instA).institutionId, idA, "A untouched");
        }
        assertFalse(registry.canDownload(clinician, modelId));
    }

    function test_resyncRefusesAnInstitutionTheMembershipStillHas() public {
        vm.expectRevert(abi.encodeWithSelector(ITaskDirectory.TaskDirectoryStillMember.selector, idA, instA));
        directory.resync(removals(idA, instA));
    }

    function test_aPairNoRegistryHoldsChangesNothing() public {
        // A burned id with another account (a mistake or a plant): no registry holds that pair.
        vm.recordLogs();
        directory.resync(removals(idB, outsider));
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics[0] == ITaskDirectory.RegistriesResynced.selector) {
                assertEq(abi.decode(logs[i].data, (uint256)), 0);
            }
        }
        assertEq(uint8(registry.rolesOf(instB).kind), uint8(IModelRegistry.AccountKind.Member), "B still stale");
        // ... and it was not remembered: the true pair is still undone afterwards.
        directory.resync(removals(idB, instB));
        assertEq(uint8(registry.rolesOf(instB).kind), uint8(IModelRegistry.AccountKind.None));
    }

    /// Review finding: B removed while the observer was elsewhere, then readmitted (a new id) after
    /// it was pointed back. The registries hold B with the new id, and B's old institution (and so
    /// its old staff) stays active unless resync clears it.
    function test_resyncClearsTheOldInstitutionOfAnAccountReadmittedMeanwhile() public {
        vm.prank(admin);
        uint256 newIdB = membership.admit(instB, "Borealis Medical Center", "");
        assertTrue(registry.rolesOf(clinician).institutionActive, "B's old staff still active (the gap)");
        directory.resync(removals(idB, instB));
        IModelRegistry[2] memory both = [IModelRegistry(address(registry)), IModelRegistry(address(typeRegistry))];
        for (uint256 i; i < 2; ++i) {
            assertFalse(both[i].rolesOf(clinician).institutionActive, "the old institution's staff act for nobody");
            IModelRegistry.AccountRoles memory b = both[i].rolesOf(instB);
            assertEq(uint8(b.kind), uint8(IModelRegistry.AccountKind.Member));
            assertEq(b.institutionId, newIdB, "B is a member with its new id");
        }
        assertFalse(registry.canDownload(clinician, modelId));
    }

    /// A second resync finds every registry in step: it relays nothing and tells no registry of a
    /// member it already holds (no event for anyone to flood the audit log with).
    function test_aResyncOfRegistriesInStepEmitsNoMembershipEvents() public {
        directory.resync(removals(idB, instB));
        vm.recordLogs();
        directory.resync(removals(idB, instB));
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            assertTrue(
                logs[i].topics[0] != IModelRegistry.MembershipSynced.selector, "no MembershipSynced when in step"
            );
        }
    }

    /// A removal the directory relayed itself (observer in place), then a readmission: the
    /// registries are in step, and resync leaves the readmitted account alone.
    function test_aRemovalTheDirectoryRelayedIsNotRelayedAgain() public {
        vm.startPrank(admin);
        uint256 idD2 = membership.admit(makeAddr("instE"), "Echo Hospital", "");
        membership.remove(idD2);
        uint256 again = membership.admit(makeAddr("instE"), "Echo Hospital", "");
        vm.stopPrank();
        directory.resync(removals(idB, instB));
        vm.recordLogs();
        ITaskDirectory.Removal[] memory list = removals(idD2, makeAddr("instE"));
        directory.resync(list);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            assertTrue(logs[i].topics[0] != IModelRegistry.MembershipSynced.selector, "nothing to relay");
            if (logs[i].topics[0] == ITaskDirectory.RegistriesResynced.selector) {
                assertEq(abi.decode(logs[i].data, (uint256)), 0);
            }
        }
        assertEq(registry.rolesOf(makeAddr("instE")).institutionId, again);
    }

    function test_resyncNeedsTheDirectoryToBeTheObserver() public {
        FakeRegistry elsewhere = new FakeRegistry(bytes32(0), address(membership), admin);
        vm.prank(admin);
        membership.setObserver(address(elsewhere));
        vm.expectRevert(
            abi.encodeWithSelector(ITaskDirectory.TaskDirectoryNotMembershipObserver.selector, address(elsewhere))
        );
        directory.resync(removals(idB, instB));
    }
}
