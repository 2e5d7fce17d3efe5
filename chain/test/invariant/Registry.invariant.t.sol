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

    function invariant_topTenSortedUniqueAtMostTenAllActive() public view {
        IModelRegistry.Model[] memory top = registry.topTen();
        assertLe(top.length, 10);
        for (uint256 i; i < top.length; ++i) {
            assertTrue(registry.isActive(top[i].id));
            for (uint256 j = i + 1; j < top.length; ++j) assertTrue(top[i].id != top[j].id);
            if (i > 0) {
                IModelRegistry.Metrics memory a = top[i - 1].metrics;
                IModelRegistry.Metrics memory b = top[i].metrics;
                bool ordered = a.f1 > b.f1 || (a.f1 == b.f1 && a.accuracy > b.accuracy)
                    || (a.f1 == b.f1 && a.accuracy == b.accuracy && top[i - 1].id < top[i].id);
                assertTrue(ordered);
            }
        }
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

    function invariant_shaNeverPublishedTwice() public view {
        assertEq(handler.duplicateShaAccepted(), 0);
        assertEq(registry.nextModelId() - 1, handler.publishedCount());
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
