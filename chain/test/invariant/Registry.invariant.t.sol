// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IModelRegistry} from "../../contracts/interfaces/IModelRegistry.sol";
import {Fixture} from "../utils/Fixture.sol";
import {RegistryHandler} from "./RegistryHandler.sol";

contract RegistryInvariantTest is Fixture {
    RegistryHandler internal handler;
    bytes32 internal constant STORAGE = 0x564e01f72fb2c50a7c82bfe822f9b2ed27ecaedf85f12425943292aa85e22e00;

    function setUp() public override {
        super.setUp();
        address[] memory actors = new address[](7);
        actors[0] = instA;
        actors[1] = instB;
        actors[2] = clinician;
        actors[3] = patient;
        actors[4] = outsider;
        actors[5] = makeAddr("candidate1");
        actors[6] = makeAddr("candidate2");
        handler = new RegistryHandler(membership, registry, admin, publisher, actors);
        targetContract(address(handler));
    }

    /// Sorted by the current score (v3: the worst independent measurement once verified, else the
    /// claim), ties by age; unique; at most ten; every entry kept.
    function invariant_topTenSortedUniqueAtMostTenAllActive() public view {
        uint256[] memory top = registry.topTenIds();
        assertLe(top.length, 10);
        for (uint256 i; i < top.length; ++i) {
            assertTrue(registry.isActive(top[i]));
            for (uint256 j = i + 1; j < top.length; ++j) assertTrue(top[i] != top[j]);
            if (i > 0) assertTrue(_ahead(top[i - 1], top[i]));
        }
    }

    /// Complete: a kept model outside the top ten is only the latest, only when the top ten is
    /// full, and only when it does not beat the tenth.
    function invariant_topTenIsCompleteUnderEvaluations() public view {
        uint256[] memory top = registry.topTenIds();
        uint256 latest = registry.latestModelId();
        if (latest == 0) return;
        for (uint256 i; i < top.length; ++i) if (top[i] == latest) return;
        assertEq(top.length, 10);
        assertTrue(_ahead(top[9], latest));
    }

    /// Each kept model's score is recomputed from the records: the worst independent key once
    /// `quorum` institutions other than the publisher's measured it, else the claim.
    function invariant_scoreIsTheWorstIndependentSite() public view {
        uint256[] memory top = registry.topTenIds();
        uint256 quorum = registry.evaluationQuorum();
        uint256 lastInstitution = 8; // the fixture's two + at most six admitted actors
        for (uint256 i; i <= top.length; ++i) {
            uint256 id = i < top.length ? top[i] : registry.latestModelId();
            if (id == 0) continue;
            IModelRegistry.Model memory model = registry.getModel(id);
            uint256 worst = type(uint256).max;
            uint256 independent;
            for (uint256 inst = 1; inst <= lastInstitution; ++inst) {
                IModelRegistry.EvaluationRecord memory e = registry.evaluationOf(id, inst);
                if (e.evaluatedAt == 0) continue;
                assertEq(e.publisherSite, inst == model.institutionId);
                if (e.publisherSite) continue;
                ++independent;
                uint256 measured = (uint256(e.f1) << 16) | e.accuracy;
                if (measured < worst) worst = measured;
            }
            IModelRegistry.Score memory score = registry.scoreOf(id);
            assertEq(score.independentEvaluations, independent);
            assertEq(score.verified, independent >= quorum);
            uint256 expected = independent >= quorum
                ? worst
                : (uint256(model.metrics.f1) << 16) | model.metrics.accuracy;
            assertEq((uint256(score.f1) << 16) | score.accuracy, expected);
        }
    }

    function _ahead(uint256 a, uint256 b) private view returns (bool) {
        IModelRegistry.Score memory x = registry.scoreOf(a);
        IModelRegistry.Score memory y = registry.scoreOf(b);
        uint256 keyA = (uint256(x.f1) << 16) | x.accuracy;
        uint256 keyB = (uint256(y.f1) << 16) | y.accuracy;
        return keyA > keyB || (keyA == keyB && a < b);
    }

    function invariant_activeIsTopTenPlusLatest() public view {
        uint256[] memory top = registry.topTenIds();
        uint256 latest = registry.latestModelId();
        uint256 activeCount;
        for (uint256 i; i < handler.publishedCount(); ++i) {
            uint256 id = handler.publishedIds(i);
            bool inTop;
            for (uint256 j; j < top.length; ++j) if (top[j] == id) inTop = true;
            assertEq(registry.isActive(id), inTop || id == latest);
            if (registry.isActive(id)) ++activeCount;
        }
        // Evicted models are really gone: exactly as many seats hold a record as models are kept.
        uint256 occupied;
        for (uint256 seat; seat < 11; ++seat) {
            bytes32 contentDigest = vm.load(address(registry), bytes32(uint256(STORAGE) + 2 + seat * 5));
            bytes32 packed = vm.load(address(registry), bytes32(uint256(STORAGE) + 2 + seat * 5 + 3));
            if (contentDigest != 0) ++occupied;
            else assertEq(packed, 0);
        }
        assertEq(occupied, activeCount);
    }

    function invariant_evictedModelsCannotBeRead() public {
        for (uint256 i; i < handler.publishedCount(); ++i) {
            uint256 id = handler.publishedIds(i);
            if (registry.isActive(id)) continue;
            vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RegistryModelNotActive.selector, id));
            registry.getModel(id);
        }
    }

    function invariant_weightsNeverPublishedTwice() public view {
        assertEq(handler.duplicateWeightsAccepted(), 0);
        assertEq(registry.nextModelId() - 1, handler.publishedCount());
        for (uint256 i; i < handler.publishedCount(); ++i) {
            assertEq(registry.modelIdByWeights(handler.publishedWeights(i)), handler.publishedIds(i));
        }
    }

    function invariant_membershipTokensNeverMove() public view {
        assertEq(handler.tokensMoved(), 0);
        for (uint256 i; i < handler.actorCount(); ++i) {
            address actor = handler.actors(i);
            uint256 id = handler.memberId(actor);
            if (id != 0) assertEq(membership.ownerOf(id), actor);
            assertEq(membership.balanceOf(actor), id == 0 ? 0 : 1);
        }
    }

    function invariant_voteCountEqualsMemberCount() public view {
        uint256 votes;
        for (uint256 i; i < handler.actorCount(); ++i) votes += membership.getVotes(handler.actors(i));
        assertEq(votes, membership.memberCount());
        assertEq(membership.getVotes(address(0)), 0);
    }

    function invariant_onlyAuthorizedAccountsRecordedDownloads() public view {
        assertEq(handler.unauthorizedDownloads(), 0);
    }
}
