// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {ModelRegistry} from "../../contracts/ModelRegistry.sol";
import {IModelRegistry} from "../../contracts/interfaces/IModelRegistry.sol";
import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {Fixture} from "../utils/Fixture.sol";
import {ModelRegistryV4} from "../../contracts/upgrades/ModelRegistryV4.sol";

contract ModelRegistryAdminTest is Fixture {
    function test_pause_byGuardianAndUnpauseByAdmin() public {
        vm.expectEmit(address(registry));
        emit IModelRegistry.Paused(guardian);
        vm.prank(guardian);
        registry.pause();
        assertTrue(registry.paused());
        vm.expectRevert(IModelRegistry.RegistryPaused.selector);
        vm.prank(admin);
        registry.pause();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, guardian, bytes32(0))
        );
        vm.prank(guardian);
        registry.unpause();
        vm.expectEmit(address(registry));
        emit IModelRegistry.Unpaused(admin);
        vm.prank(admin);
        registry.unpause();
        assertFalse(registry.paused());
        vm.expectRevert(IModelRegistry.RegistryNotPaused.selector);
        vm.prank(admin);
        registry.unpause();
    }

    function test_pause_revertsForOthers() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, instA, registry.GUARDIAN_ROLE()
            )
        );
        vm.prank(instA);
        registry.pause();
    }

    function test_views_exposeConfiguration() public view {
        assertEq(registry.taskId(), TASK);
        assertEq(registry.membership(), address(membership));
        assertEq(registry.version(), "3");
        assertEq(registry.nextModelId(), 1);
        assertEq(registry.latestModelId(), 0);
        assertEq(registry.topTen().length, 0);
    }

    function test_upgrade_byAdminKeepsState() public {
        uint256 model = publish(9000, 9000);
        address next = address(new ModelRegistryV4());
        vm.prank(admin);
        registry.upgradeToAndCall(next, "");
        assertEq(registry.version(), "4");
        assertEq(registry.getModel(model).metrics.f1, 9000);
    }

    function test_upgrade_revertsForOthers() public {
        address next = address(new ModelRegistryV4());
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, instA, bytes32(0))
        );
        vm.prank(instA);
        registry.upgradeToAndCall(next, "");
    }

    function test_initialize_rejectsZeroAddressesAndRuns() public {
        ModelRegistry impl = new ModelRegistry();
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        impl.initialize(admin, address(membership), TASK, new address[](0));
        bytes memory noAdmin =
            abi.encodeCall(ModelRegistry.initialize, (address(0), address(membership), TASK, new address[](0)));
        vm.expectRevert(IModelRegistry.RegistryZeroAddress.selector);
        new ERC1967Proxy(address(impl), noAdmin);
        bytes memory noMembership = abi.encodeCall(ModelRegistry.initialize, (admin, address(0), TASK, new address[](0)));
        vm.expectRevert(IModelRegistry.RegistryZeroAddress.selector);
        new ERC1967Proxy(address(impl), noMembership);
        address[] memory founders = new address[](1);
        founders[0] = outsider;
        ModelRegistry seeded = deployRegistry(admin, address(membership), founders);
        assertTrue(seeded.hasRole(seeded.PUBLISHER_ROLE(), outsider));
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        seeded.initialize(admin, address(membership), TASK, founders);
    }

    function test_storageSlot_isTheErc7201Namespace() public pure {
        bytes32 expected =
            keccak256(abi.encode(uint256(keccak256("neuroledger.storage.ModelRegistry")) - 1)) & ~bytes32(uint256(0xff));
        assertEq(expected, 0x564e01f72fb2c50a7c82bfe822f9b2ed27ecaedf85f12425943292aa85e22e00);
        bytes32 membershipSlot =
            keccak256(abi.encode(uint256(keccak256("neuroledger.storage.Membership")) - 1)) & ~bytes32(uint256(0xff));
        assertEq(membershipSlot, 0xf98efc7a6d9611c0c8d4f7acf772ebfcecc9740a38994d5d8b979919f59f5800);
    }
}
