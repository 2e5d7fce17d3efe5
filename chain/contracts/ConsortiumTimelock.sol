// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TimelockControllerUpgradeable} from
    "@openzeppelin/contracts-upgradeable/governance/TimelockControllerUpgradeable.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";

/// @title ConsortiumTimelock
/// @notice Holds every admin role of the consortium's contracts and runs the Governor's passed
/// proposals after a delay. It administers itself: only its own scheduled operations upgrade it.
contract ConsortiumTimelock is Initializable, TimelockControllerUpgradeable, UUPSUpgradeable {
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    // initialize(minDelay, proposers, executors, admin) comes from TimelockControllerUpgradeable:
    // `admin` may wire roles during deployment and must renounce afterwards (or pass address(0)
    // to have the timelock administer itself from the start).

    /// @dev DEFAULT_ADMIN_ROLE is held by the timelock itself once the deployer renounced it.
    function _authorizeUpgrade(address) internal override onlyRole(DEFAULT_ADMIN_ROLE) {}
}
