// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ModelRegistry} from "../../contracts/ModelRegistry.sol";

contract ModelRegistryV2Stub is ModelRegistry {
    function version() external pure override returns (string memory) {
        return "2";
    }
}
