// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {ModelRegistry} from "../../contracts/ModelRegistry.sol";
import {IModelRegistry} from "../../contracts/interfaces/IModelRegistry.sol";
import {Fixture} from "../utils/Fixture.sol";

contract ModelRegistryKeyringTest is Fixture {
    uint256 internal model;

    function setUp() public override {
        super.setUp();
        model = publish(9000, 9000);
    }

    function test_updateKeyring_byPublisherAndItsInstitutionBumpsVersion() public {
        address[2] memory updaters = [publisher, instA];
        for (uint256 i; i < 2; ++i) {
            IModelRegistry.Cid memory next = cid("keyring-v", i);
            vm.expectEmit(address(registry));
            emit IModelRegistry.KeyringUpdated(model, updaters[i], next, uint32(i + 2));
            vm.prank(updaters[i]);
            registry.updateKeyring(model, next);
            IModelRegistry.Model memory m = registry.getModel(model);
            assertEq(m.keyring.digest, next.digest);
            assertEq(m.keyringVersion, i + 2);
        }
    }

    function test_updateKeyring_revertsForOtherInstitutionsPatientAndOutsider() public {
        vm.prank(instA);
        registry.grantPatientAccess(patient, model, uint64(block.timestamp + 100));
        address[4] memory callers = [instB, clinician, patient, outsider];
        for (uint256 i; i < 4; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(IModelRegistry.RegistryNotKeyringUpdater.selector, callers[i], model)
            );
            vm.prank(callers[i]);
            registry.updateKeyring(model, cid("k", 1));
        }
    }

    function test_updateKeyring_revertsOnBadInput() public {
        vm.startPrank(publisher);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RegistryInvalidCid.selector, bytes32(0), DAG_PB));
        registry.updateKeyring(model, IModelRegistry.Cid({digest: 0, codec: DAG_PB}));
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RegistryModelNotActive.selector, 42));
        registry.updateKeyring(42, cid("k", 1));
        vm.stopPrank();
        vm.prank(admin);
        registry.pause();
        vm.expectRevert(IModelRegistry.RegistryPaused.selector);
        vm.prank(publisher);
        registry.updateKeyring(model, cid("k", 1));
    }
}
