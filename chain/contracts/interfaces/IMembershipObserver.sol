// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IMembershipObserver
/// @notice Told by the membership contract whenever an institution is admitted or removed, so that
/// contracts that authorize institution accounts keep a local copy (an external call per check
/// would cost several thousand gas on every download).
interface IMembershipObserver {
    /// @notice Called by the membership contract after a membership token is minted or burned.
    /// @param account The institution's account.
    /// @param institutionId The institution's token id.
    /// @param isMember True on admission, false on removal.
    function onMembershipChanged(address account, uint256 institutionId, bool isMember) external;
}
