// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {ActiveSeats, ActiveSeatsLibrary} from "../../contracts/types/ActiveSeats.sol";
import {Ranking, RankingLibrary} from "../../contracts/types/Ranking.sol";
import {Standing, StandingLibrary} from "../../contracts/types/Standing.sol";

/// @dev The registry's packed words against plain arrays: any sequence of writes reads back, and
/// no write touches another field.
contract PackedWordsFuzzTest is Test {
    function testFuzz_activeSeats_writesOneSeatAndKeepsTheRest(uint256 word, uint8 seat, uint32 id, bool paused)
        public
        pure
    {
        seat = uint8(bound(seat, 0, 10));
        uint256 modelId = bound(id, 0, ActiveSeatsLibrary.MAX_MODEL_ID);
        ActiveSeats before = ActiveSeats.wrap(word);
        ActiveSeats after_ = before.withIdAt(seat, modelId).withPaused(paused);
        assertEq(after_.idAt(seat), modelId);
        assertEq(after_.paused(), paused);
        for (uint256 other; other < 11; ++other) {
            if (other != seat) assertEq(after_.idAt(other), before.idAt(other));
        }
        if (modelId != 0) assertEq(after_.find(modelId) <= seat, true);
        assertEq(after_.find(0), ActiveSeatsLibrary.NO_SEAT);
    }

    function testFuzz_ranking_insertAndRemoveMatchAnArray(uint256 seed, uint8 steps, uint16 quorum) public pure {
        Ranking ranking = RankingLibrary.initial().withNextId(77).withLatest(3);
        uint256 k = bound(quorum, 1, RankingLibrary.MAX_QUORUM);
        ranking = ranking.withQuorum(k);
        uint256[] memory expected = new uint256[](11);
        uint256 n;
        for (uint256 i; i < bound(steps, 1, 40); ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            if (r % 3 != 0 || n == 0) {
                uint256 pos = (r >> 8) % (n + 1);
                uint256 seat = (r >> 16) % 11;
                ranking = ranking.withInserted(pos, seat);
                for (uint256 j = n; j > pos; --j) expected[j] = expected[j - 1];
                expected[pos] = seat;
                if (n < 10) ++n;
            } else {
                uint256 pos = (r >> 8) % n;
                ranking = ranking.withRemoved(pos);
                for (uint256 j = pos; j + 1 < n; ++j) expected[j] = expected[j + 1];
                --n;
            }
            assertEq(ranking.count(), n);
            for (uint256 j; j < n; ++j) assertEq(ranking.seatAt(j), expected[j]);
            assertEq(ranking.nextId(), 77);
            assertEq(ranking.latest(), 3);
            assertEq(ranking.quorum(), k);
        }
    }

    function testFuzz_ranking_defaultQuorumIsOne(uint32 nextId) public pure {
        assertEq(RankingLibrary.initial().withNextId(nextId).quorum(), 1);
    }

    function testFuzz_standing_fieldsAndScore(
        uint16 f1,
        uint16 accuracy,
        uint32 publisher,
        uint32[4] memory evaluators,
        uint32[4] memory keys,
        uint16 quorum
    ) public pure {
        Standing standing = StandingLibrary.atPublish(f1, accuracy, publisher);
        uint256 claim = StandingLibrary.key(f1, accuracy);
        assertEq(standing.claimKey(), claim);
        uint256 worst = type(uint256).max;
        uint256 highest;
        for (uint256 i; i < 4; ++i) {
            standing = standing.withNewEvaluator(evaluators[i], true);
            if (keys[i] < worst) {
                worst = keys[i];
                standing = standing.withWorst(keys[i], evaluators[i]);
            }
            if (evaluators[i] > highest) highest = evaluators[i];
        }
        assertEq(standing.independentCount(), 4);
        assertEq(standing.worstKey(), worst);
        assertEq(standing.maxEvaluator(), highest);
        assertEq(standing.publisherInstitution(), publisher);
        assertEq(standing.claimKey(), claim);
        uint256 k = bound(quorum, 1, 8);
        assertEq(standing.score(k), k <= 4 ? worst : claim);
        assertEq(standing.verified(k), k <= 4);
    }
}
