// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ModelRegistry} from "../ModelRegistry.sol";

/// @title ModelRegistryV4
/// @notice The upgrade target of the governance upgrade test: same storage, a new version string.
/// It shows the path a real upgrade takes (storage-layout validation, then a vote).
/// @custom:oz-upgrades-from ModelRegistry
contract ModelRegistryV4 is ModelRegistry {
    /// @notice Implementation version.
    function version() external pure override returns (string memory) {
        return "4";
    }
}
