// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {TimelockControllerUpgradeable} from
    "@openzeppelin/contracts-upgradeable/governance/TimelockControllerUpgradeable.sol";
import {ConsortiumGovernor} from "../../contracts/ConsortiumGovernor.sol";
import {ConsortiumTimelock} from "../../contracts/ConsortiumTimelock.sol";
import {Membership} from "../../contracts/Membership.sol";
import {Fixture} from "../utils/Fixture.sol";

/// @dev The whole admission path through Governor + timelock, with the timelock as the only admin.
contract GovernanceTest is Fixture {
    ConsortiumTimelock internal timelock;
    ConsortiumGovernor internal governor;
    address internal instC = makeAddr("instC");

    uint48 internal constant VOTING_DELAY = 10;
    uint32 internal constant VOTING_PERIOD = 100;
    uint256 internal constant TIMELOCK_DELAY = 60;

    function setUp() public override {
        super.setUp();
        vm.prank(admin);
        membership.admit(instC, "Cedar Clinic", "");
        timelock = deployTimelock(TIMELOCK_DELAY, address(this));
        governor = deployGovernor(
            membership,
            timelock,
            ConsortiumGovernor.Settings({
                votingDelay: VOTING_DELAY,
                votingPeriod: VOTING_PERIOD,
                proposalThreshold: 1,
                quorumPercent: 50
            })
        );
        timelock.grantRole(timelock.PROPOSER_ROLE(), address(governor));
        timelock.grantRole(timelock.CANCELLER_ROLE(), address(governor));
        timelock.renounceRole(timelock.DEFAULT_ADMIN_ROLE(), address(this));
        vm.startPrank(admin);
        membership.grantRole(bytes32(0), address(timelock));
        membership.renounceRole(bytes32(0), admin);
        registry.grantRole(bytes32(0), address(timelock));
        registry.renounceRole(bytes32(0), admin);
        vm.stopPrank();
        vm.warp(block.timestamp + 1);
    }

    function _admission(address candidate)
        internal
        view
        returns (address[] memory targets, uint256[] memory values, bytes[] memory calldatas)
    {
        targets = new address[](1);
        values = new uint256[](1);
        calldatas = new bytes[](1);
        targets[0] = address(membership);
        calldatas[0] = abi.encodeCall(Membership.admit, (candidate, "Delta Hospital", ""));
    }

    function test_admission_proposeVoteQueueExecute() public {
        address candidate = makeAddr("candidate");
        (address[] memory targets, uint256[] memory values, bytes[] memory calldatas) = _admission(candidate);
        vm.prank(instA);
        uint256 id = governor.propose(targets, values, calldatas, "Admit Delta");
        assertEq(uint256(governor.state(id)), uint256(IGovernor.ProposalState.Pending));
        vm.warp(block.timestamp + VOTING_DELAY + 1);
        vm.prank(instA);
        governor.castVote(id, 1);
        vm.prank(instB);
        governor.castVote(id, 1);
        vm.prank(instC);
        governor.castVote(id, 0);
        vm.warp(block.timestamp + VOTING_PERIOD);
        assertEq(uint256(governor.state(id)), uint256(IGovernor.ProposalState.Succeeded));
        assertTrue(governor.proposalNeedsQueuing(id));
        governor.queue(targets, values, calldatas, keccak256("Admit Delta"));
        vm.warp(block.timestamp + TIMELOCK_DELAY);
        governor.execute(targets, values, calldatas, keccak256("Admit Delta"));
        assertTrue(membership.isMember(candidate));
        assertEq(uint256(governor.state(id)), uint256(IGovernor.ProposalState.Executed));
    }

    function test_proposal_defeatedWithoutQuorum() public {
        (address[] memory targets, uint256[] memory values, bytes[] memory calldatas) = _admission(outsider);
        vm.prank(instA);
        uint256 id = governor.propose(targets, values, calldatas, "Admit outsider");
        vm.warp(block.timestamp + VOTING_DELAY + VOTING_PERIOD + 2);
        assertEq(uint256(governor.state(id)), uint256(IGovernor.ProposalState.Defeated));
        assertEq(governor.quorum(block.timestamp - 1), 1);
    }

    function test_propose_revertsForNonMembers() public {
        (address[] memory targets, uint256[] memory values, bytes[] memory calldatas) = _admission(outsider);
        vm.expectRevert(
            abi.encodeWithSelector(IGovernor.GovernorInsufficientProposerVotes.selector, outsider, 0, 1)
        );
        vm.prank(outsider);
        governor.propose(targets, values, calldatas, "x");
    }

    function test_cancel_byProposerBeforeVoting() public {
        (address[] memory targets, uint256[] memory values, bytes[] memory calldatas) = _admission(outsider);
        vm.prank(instA);
        uint256 id = governor.propose(targets, values, calldatas, "x");
        vm.prank(instA);
        governor.cancel(targets, values, calldatas, keccak256("x"));
        assertEq(uint256(governor.state(id)), uint256(IGovernor.ProposalState.Canceled));
    }

    function test_settings_areDeploymentParameters() public view {
        assertEq(governor.votingDelay(), VOTING_DELAY);
        assertEq(governor.votingPeriod(), VOTING_PERIOD);
        assertEq(governor.proposalThreshold(), 1);
        assertEq(governor.timelock(), address(timelock));
        assertEq(timelock.getMinDelay(), TIMELOCK_DELAY);
        assertEq(governor.CLOCK_MODE(), "mode=timestamp");
    }

    function test_upgrades_ofGovernorAndTimelock_refuseDirectCalls() public {
        address nextGovernor = address(new ConsortiumGovernor());
        vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorOnlyExecutor.selector, instA));
        vm.prank(instA);
        governor.upgradeToAndCall(nextGovernor, "");
        address nextTimelock = address(new ConsortiumTimelock());
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, instA, bytes32(0))
        );
        vm.prank(instA);
        timelock.upgradeToAndCall(nextTimelock, "");
    }

    function test_upgrades_ofGovernorAndTimelock_passThroughAVote() public {
        address[] memory targets = new address[](2);
        uint256[] memory values = new uint256[](2);
        bytes[] memory calldatas = new bytes[](2);
        targets[0] = address(governor);
        targets[1] = address(timelock);
        address nextGovernor = address(new ConsortiumGovernor());
        address nextTimelock = address(new ConsortiumTimelock());
        calldatas[0] = abi.encodeWithSignature("upgradeToAndCall(address,bytes)", nextGovernor, "");
        calldatas[1] = abi.encodeWithSignature("upgradeToAndCall(address,bytes)", nextTimelock, "");
        vm.prank(instA);
        uint256 id = governor.propose(targets, values, calldatas, "upgrade");
        vm.warp(block.timestamp + VOTING_DELAY + 1);
        vm.prank(instA);
        governor.castVote(id, 1);
        vm.prank(instB);
        governor.castVote(id, 1);
        vm.warp(block.timestamp + VOTING_PERIOD);
        governor.queue(targets, values, calldatas, keccak256("upgrade"));
        vm.warp(block.timestamp + TIMELOCK_DELAY);
        governor.execute(targets, values, calldatas, keccak256("upgrade"));
        bytes32 implSlot = 0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc;
        assertEq(address(uint160(uint256(vm.load(address(governor), implSlot)))), nextGovernor);
        assertEq(address(uint160(uint256(vm.load(address(timelock), implSlot)))), nextTimelock);
    }

    function test_timelockInitializer_isLockedOnTheImplementation() public {
        ConsortiumTimelock impl = new ConsortiumTimelock();
        vm.expectRevert();
        TimelockControllerUpgradeable(payable(address(impl))).initialize(1, new address[](0), new address[](0), admin);
    }
}
