// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Membership} from "../../contracts/Membership.sol";

/// @dev Exposes the balance hook that only batch minting (never used here) would reach.
contract MembershipHarness is Membership {
    function increaseBalance(address account, uint128 amount) external {
        _increaseBalance(account, amount);
    }
}
