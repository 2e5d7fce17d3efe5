// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @dev The registry's order word: the top ten as seat numbers (4 bits each, best first, bits
/// 0-39), their count (40-43), the latest model's seat (44-47, 15 = none), the next model id
/// (48-79) and the evaluation quorum k minus one (80-95; so 0, what every pre-v3 word holds,
/// reads as the default k = 1).
type Ranking is uint256;

using RankingLibrary for Ranking global;

/// @title RankingLibrary
/// @notice Reads and writes the fields of a {Ranking} word.
library RankingLibrary {
    /// @notice Number of ranked places.
    uint256 internal constant TOP_SIZE = 10;
    /// @notice "No seat" (an empty latest slot).
    uint256 internal constant NO_SEAT = 15;
    /// @notice Largest evaluation quorum.
    uint256 internal constant MAX_QUORUM = 1 << 16;

    uint256 private constant _ORDER_MASK = (1 << 40) - 1;
    uint256 private constant _COUNT_SHIFT = 40;
    uint256 private constant _LATEST_SHIFT = 44;
    uint256 private constant _NEXT_ID_SHIFT = 48;
    uint256 private constant _QUORUM_SHIFT = 80;

    /// @notice A fresh word: nothing ranked, no latest, next id 1, default quorum.
    function initial() internal pure returns (Ranking) {
        return Ranking.wrap((NO_SEAT << _LATEST_SHIFT) | (1 << _NEXT_ID_SHIFT));
    }

    /// @notice Number of ranked models (0-10).
    function count(Ranking self) internal pure returns (uint256) {
        return (Ranking.unwrap(self) >> _COUNT_SHIFT) & 0xF;
    }

    /// @notice Seat at place `pos` (0 = best); only meaningful below {count}.
    function seatAt(Ranking self, uint256 pos) internal pure returns (uint256) {
        return (Ranking.unwrap(self) >> (4 * pos)) & 0xF;
    }

    /// @notice Place of `seat` in the ranking, or {TOP_SIZE} when it is not ranked.
    function placeOf(Ranking self, uint256 seat) internal pure returns (uint256) {
        uint256 n = count(self);
        for (uint256 pos; pos < n; ++pos) {
            if (seatAt(self, pos) == seat) return pos;
        }
        return TOP_SIZE;
    }

    /// @notice Seat of the latest model, or {NO_SEAT}.
    function latest(Ranking self) internal pure returns (uint256) {
        return (Ranking.unwrap(self) >> _LATEST_SHIFT) & 0xF;
    }

    /// @notice Id the next published model gets.
    function nextId(Ranking self) internal pure returns (uint256) {
        return (Ranking.unwrap(self) >> _NEXT_ID_SHIFT) & type(uint32).max;
    }

    /// @notice Independent evaluations a model needs before its measured score counts (>= 1).
    function quorum(Ranking self) internal pure returns (uint256) {
        return ((Ranking.unwrap(self) >> _QUORUM_SHIFT) & 0xFFFF) + 1;
    }

    /// @notice The word with the quorum set to `k` (1 to {MAX_QUORUM}; the caller checks).
    function withQuorum(Ranking self, uint256 k) internal pure returns (Ranking) {
        uint256 word = Ranking.unwrap(self) & ~(uint256(0xFFFF) << _QUORUM_SHIFT);
        return Ranking.wrap(word | ((k - 1) << _QUORUM_SHIFT));
    }

    /// @notice The word with `seat` inserted at place `pos` (later places move down; an 11th
    /// drops off the end) and the count raised up to {TOP_SIZE}.
    function withInserted(Ranking self, uint256 pos, uint256 seat) internal pure returns (Ranking) {
        uint256 word = Ranking.unwrap(self);
        uint256 order = word & _ORDER_MASK;
        uint256 shift = 4 * pos;
        uint256 low = order & ((1 << shift) - 1);
        uint256 high = (order >> shift) << (shift + 4);
        order = (low | (seat << shift) | high) & _ORDER_MASK;
        uint256 n = count(self);
        if (n < TOP_SIZE) ++n;
        return Ranking.wrap((word & ~(_ORDER_MASK | (0xF << _COUNT_SHIFT))) | order | (n << _COUNT_SHIFT));
    }

    /// @notice The word without place `pos` (later places move up; the count drops by one).
    function withRemoved(Ranking self, uint256 pos) internal pure returns (Ranking) {
        uint256 word = Ranking.unwrap(self);
        uint256 order = word & _ORDER_MASK;
        uint256 low = order & ((1 << (4 * pos)) - 1);
        uint256 high = (order >> (4 * (pos + 1))) << (4 * pos);
        uint256 n = count(self) - 1;
        return Ranking.wrap((word & ~(_ORDER_MASK | (0xF << _COUNT_SHIFT))) | low | high | (n << _COUNT_SHIFT));
    }

    /// @notice The word with the latest seat set to `seat` ({NO_SEAT} for none).
    function withLatest(Ranking self, uint256 seat) internal pure returns (Ranking) {
        uint256 word = Ranking.unwrap(self) & ~(uint256(0xF) << _LATEST_SHIFT);
        return Ranking.wrap(word | (seat << _LATEST_SHIFT));
    }

    /// @notice The word with the next model id set to `id`.
    function withNextId(Ranking self, uint256 id) internal pure returns (Ranking) {
        uint256 word = Ranking.unwrap(self) & ~(uint256(type(uint32).max) << _NEXT_ID_SHIFT);
        return Ranking.wrap(word | (id << _NEXT_ID_SHIFT));
    }
}
