// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @dev The model id held by each of the registry's 11 seats (22 bits each, 0 = empty) and the
/// pause flag (bit 255), in one word so that a download checks "not paused" and "model is kept"
/// with one storage read.
type ActiveSeats is uint256;

using ActiveSeatsLibrary for ActiveSeats global;

/// @title ActiveSeatsLibrary
/// @notice Reads and writes the fields of an {ActiveSeats} word.
library ActiveSeatsLibrary {
    /// @notice Seats in the registry (10 ranked + an unranked latest).
    uint256 internal constant SEATS = 11;
    /// @notice "No seat": returned by {find} for a model that is not kept.
    uint256 internal constant NO_SEAT = 15;
    /// @notice Largest model id (22 bits).
    uint256 internal constant MAX_MODEL_ID = (1 << 22) - 1;

    uint256 private constant _ID_BITS = 22;
    uint256 private constant _PAUSED_BIT = 1 << 255;

    /// @notice Whether the registry is paused.
    function paused(ActiveSeats self) internal pure returns (bool) {
        return ActiveSeats.unwrap(self) & _PAUSED_BIT != 0;
    }

    /// @notice The word with the pause flag set to `value`.
    function withPaused(ActiveSeats self, bool value) internal pure returns (ActiveSeats) {
        uint256 word = ActiveSeats.unwrap(self);
        return ActiveSeats.wrap(value ? word | _PAUSED_BIT : word & ~_PAUSED_BIT);
    }

    /// @notice Model id in `seat` (0 = empty).
    function idAt(ActiveSeats self, uint256 seat) internal pure returns (uint256) {
        return (ActiveSeats.unwrap(self) >> (seat * _ID_BITS)) & MAX_MODEL_ID;
    }

    /// @notice The word with `seat` holding `modelId` (0 empties it).
    function withIdAt(ActiveSeats self, uint256 seat, uint256 modelId) internal pure returns (ActiveSeats) {
        uint256 shift = seat * _ID_BITS;
        return ActiveSeats.wrap((ActiveSeats.unwrap(self) & ~(MAX_MODEL_ID << shift)) | (modelId << shift));
    }

    /// @notice Seat of `modelId`, or {NO_SEAT} when it is not kept (0 and ids past 22 bits never are).
    function find(ActiveSeats self, uint256 modelId) internal pure returns (uint256) {
        if (modelId == 0 || modelId > MAX_MODEL_ID) return NO_SEAT;
        for (uint256 seat; seat < SEATS; ++seat) {
            if (idAt(self, seat) == modelId) return seat;
        }
        return NO_SEAT;
    }

    /// @notice First empty seat. At most 11 models are kept and one leaves before a seat is
    /// needed, so one exists; were it not so the caller's array index would revert (Panic 0x32).
    function freeSeat(ActiveSeats self) internal pure returns (uint256 seat) {
        while (idAt(self, seat) != 0) ++seat;
    }
}
