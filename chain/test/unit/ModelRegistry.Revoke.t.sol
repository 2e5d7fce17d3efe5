// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {ModelRegistry} from "../../contracts/ModelRegistry.sol";
import {IModelRegistry} from "../../contracts/interfaces/IModelRegistry.sol";
import {Fixture} from "../utils/Fixture.sol";

contract ModelRegistryRevokeTest is Fixture {
    function test_revoke_removesARankedLatestModel() public {
        uint256 a = publish(9000, 9000);
        uint256 b = publish(8000, 8000);
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelRevoked(b, admin, "leaks data");
        vm.prank(admin);
        registry.revoke(b, "leaks data");
        assertEq(registry.latestModelId(), 0);
        assertEq(registry.latestModel().id, 0);
        assertEq(registry.topTenIds().length, 1);
        assertEq(registry.topTenIds()[0], a);
        assertFalse(registry.isActive(b));
        // Publishing again still works and fills the list.
        uint256 c = publish(8500, 8500);
        assertEq(registry.topTenIds()[1], c);
    }

    function test_revoke_removesTheTopModelAndKeepsOrder() public {
        uint256 a = publish(9000, 9000);
        uint256 b = publish(8000, 8000);
        uint256 c = publish(7000, 7000);
        vm.prank(admin);
        registry.revoke(a, "bad");
        uint256[] memory ids = registry.topTenIds();
        assertEq(ids.length, 2);
        assertEq(ids[0], b);
        assertEq(ids[1], c);
        assertEq(registry.latestModelId(), c);
    }

    function test_revoke_removesAnUnrankedLatest() public {
        for (uint16 i = 1; i <= 10; ++i) publish(5000 + i, 5000);
        uint256 weak = publish(1, 1);
        vm.prank(admin);
        registry.revoke(weak, "bad");
        assertEq(registry.latestModelId(), 0);
        assertEq(registry.topTenIds().length, 10);
    }

    function test_revoke_worksWhilePaused() public {
        uint256 a = publish(9000, 9000);
        vm.startPrank(admin);
        registry.pause();
        registry.revoke(a, "incident");
        vm.stopPrank();
        assertFalse(registry.isActive(a));
    }

    function test_revoke_revertsForNonAdmin() public {
        uint256 a = publish(9000, 9000);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, instA, bytes32(0))
        );
        vm.prank(instA);
        registry.revoke(a, "x");
    }

    function test_revoke_revertsForInactiveModel() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RegistryModelNotActive.selector, 7));
        vm.prank(admin);
        registry.revoke(7, "x");
    }
}
