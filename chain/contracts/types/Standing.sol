// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @dev What ranks a kept model, in one word per seat. A *key* is `f1 << 16 | accuracy` (basis
/// points): higher is better. Bits 0-31: the publisher's claimed key; 32-63: the worst key
/// measured by an independent institution (one other than the publisher's); 64-79: how many
/// independent institutions evaluated; 80-111: the institution that measured the worst key;
/// 112-143: the highest institution id that evaluated (bounds a rescan); 144-175: the publisher's
/// institution id.
type Standing is uint256;

using StandingLibrary for Standing global;

/// @title StandingLibrary
/// @notice Reads and writes the fields of a {Standing} word, and the score rule.
library StandingLibrary {
    uint256 private constant _KEY = 0xFFFFFFFF;
    uint256 private constant _WORST_SHIFT = 32;
    uint256 private constant _COUNT_SHIFT = 64;
    uint256 private constant _WORST_BY_SHIFT = 80;
    uint256 private constant _MAX_BY_SHIFT = 112;
    uint256 private constant _PUBLISHER_SHIFT = 144;

    /// @notice A model's standing at publish: its claim, no evaluations.
    function atPublish(uint16 f1, uint16 accuracy, uint256 institutionId) internal pure returns (Standing) {
        return Standing.wrap(key(f1, accuracy) | (institutionId << _PUBLISHER_SHIFT));
    }

    /// @notice The ranking key of an F1 and an accuracy (basis points).
    function key(uint16 f1, uint16 accuracy) internal pure returns (uint256) {
        return (uint256(f1) << 16) | accuracy;
    }

    /// @notice The key the model ranks by: the worst independent measurement once `quorum`
    /// institutions measured it, else the publisher's claim.
    function score(Standing self, uint256 quorum) internal pure returns (uint256) {
        return verified(self, quorum) ? worstKey(self) : claimKey(self);
    }

    /// @notice Whether at least `quorum` independent institutions evaluated the model.
    function verified(Standing self, uint256 quorum) internal pure returns (bool) {
        return independentCount(self) >= quorum;
    }

    /// @notice The publisher's claimed key.
    function claimKey(Standing self) internal pure returns (uint256) {
        return Standing.unwrap(self) & _KEY;
    }

    /// @notice The worst independently measured key (0 when none).
    function worstKey(Standing self) internal pure returns (uint256) {
        return (Standing.unwrap(self) >> _WORST_SHIFT) & _KEY;
    }

    /// @notice Number of independent institutions that evaluated the model.
    function independentCount(Standing self) internal pure returns (uint256) {
        return (Standing.unwrap(self) >> _COUNT_SHIFT) & 0xFFFF;
    }

    /// @notice Institution whose measurement is the worst key (0 when none).
    function worstBy(Standing self) internal pure returns (uint256) {
        return (Standing.unwrap(self) >> _WORST_BY_SHIFT) & _KEY;
    }

    /// @notice Highest institution id that evaluated the model (0 when none).
    function maxEvaluator(Standing self) internal pure returns (uint256) {
        return (Standing.unwrap(self) >> _MAX_BY_SHIFT) & _KEY;
    }

    /// @notice The publisher's institution id.
    function publisherInstitution(Standing self) internal pure returns (uint256) {
        return (Standing.unwrap(self) >> _PUBLISHER_SHIFT) & _KEY;
    }

    /// @notice The word with the worst independent key `worst`, measured by `by`.
    function withWorst(Standing self, uint256 worst, uint256 by) internal pure returns (Standing) {
        uint256 word = Standing.unwrap(self) & ~((_KEY << _WORST_SHIFT) | (_KEY << _WORST_BY_SHIFT));
        return Standing.wrap(word | (worst << _WORST_SHIFT) | (by << _WORST_BY_SHIFT));
    }

    /// @notice The word after institution `by` evaluated for the first time (`independent`:
    /// not the publisher's institution): counts it and raises the highest evaluator id.
    function withNewEvaluator(Standing self, uint256 by, bool independent) internal pure returns (Standing) {
        uint256 word = Standing.unwrap(self);
        if (independent && independentCount(self) < 0xFFFF) word += 1 << _COUNT_SHIFT;
        if (by > maxEvaluator(self)) word = (word & ~(_KEY << _MAX_BY_SHIFT)) | (by << _MAX_BY_SHIFT);
        return Standing.wrap(word);
    }
}
