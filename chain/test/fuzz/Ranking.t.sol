// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IModelRegistry} from "../../contracts/interfaces/IModelRegistry.sol";
import {Fixture} from "../utils/Fixture.sol";

/// @dev Random metric sequences against a plain reference ranking kept in memory.
contract RankingFuzzTest is Fixture {
    struct Entry {
        uint256 id;
        uint16 f1;
        uint16 accuracy;
    }

    Entry[] internal expected;

    function testFuzz_publish_keepsTheTopTenOfAnySequence(uint256 seed, uint8 length) public {
        uint256 n = bound(length, 1, 30);
        for (uint256 i; i < n; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            // Few distinct values so ties on F1 and on accuracy happen often.
            uint16 f1 = uint16(bound(r & 0xffff, 0, 20) * 500);
            uint16 accuracy = uint16(bound((r >> 16) & 0xffff, 0, 4) * 2500);
            uint256 id = publish(f1, accuracy);
            _insert(Entry(id, f1, accuracy));
            assertEq(registry.latestModelId(), id);
            _assertMatches();
        }
    }

    function testFuzz_publish_rejectsOutOfRangeMetrics(uint16 f1, uint16 accuracy) public {
        vm.assume(f1 > 10_000 || accuracy > 10_000);
        IModelRegistry.PublishParams memory p = params(f1, accuracy);
        vm.expectRevert(
            abi.encodeWithSelector(
                IModelRegistry.RegistryMetricOutOfRange.selector, accuracy > 10_000 ? accuracy : f1
            )
        );
        vm.prank(publisher);
        registry.publish(p);
    }

    function _insert(Entry memory entry) private {
        uint256 pos = expected.length;
        for (uint256 i; i < expected.length; ++i) {
            Entry memory other = expected[i];
            if (entry.f1 > other.f1 || (entry.f1 == other.f1 && entry.accuracy > other.accuracy)) {
                pos = i;
                break;
            }
        }
        expected.push(entry);
        for (uint256 i = expected.length - 1; i > pos; --i) {
            expected[i] = expected[i - 1];
        }
        expected[pos] = entry;
        if (expected.length > 10) expected.pop();
    }

    function _assertMatches() private view {
        uint256[] memory ids = registry.topTenIds();
        assertEq(ids.length, expected.length);
        for (uint256 i; i < ids.length; ++i) {
            assertEq(ids[i], expected[i].id);
            assertTrue(registry.isActive(ids[i]));
        }
    }
}
