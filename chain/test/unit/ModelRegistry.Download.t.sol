// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {ModelRegistry} from "../../contracts/ModelRegistry.sol";
import {IModelRegistry} from "../../contracts/interfaces/IModelRegistry.sol";
import {Fixture} from "../utils/Fixture.sol";

contract ModelRegistryDownloadTest is Fixture {
    uint256 internal model;

    function setUp() public override {
        super.setUp();
        model = publish(9000, 9000);
    }

    function test_recordDownload_byMember() public {
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelDownloaded(model, instA, idA, IModelRegistry.DownloadKind.Member);
        vm.prank(instA);
        registry.recordDownload(model);
    }

    function test_recordDownload_byStaff() public {
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelDownloaded(model, clinician, idB, IModelRegistry.DownloadKind.Staff);
        vm.prank(clinician);
        registry.recordDownload(model);
    }

    function test_recordDownload_byPatientWithGrantUntilExpiry() public {
        vm.prank(instB);
        registry.grantPatientAccess(patient, model, uint64(block.timestamp + 100));
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelDownloaded(model, patient, idB, IModelRegistry.DownloadKind.Patient);
        vm.prank(patient);
        registry.recordDownload(model);
        vm.warp(block.timestamp + 100);
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.RegistryDownloadNotAuthorized.selector, patient, model)
        );
        vm.prank(patient);
        registry.recordDownload(model);
    }

    function test_recordDownload_revertsForPatientGrantedAnotherModel() public {
        uint256 other = publish(8000, 8000);
        vm.prank(instB);
        registry.grantPatientAccess(patient, other, uint64(block.timestamp + 100));
        assertFalse(registry.canDownload(patient, model));
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.RegistryDownloadNotAuthorized.selector, patient, model)
        );
        vm.prank(patient);
        registry.recordDownload(model);
    }

    function test_recordDownload_revertsForOutsiderAndAuditor() public {
        address[2] memory callers = [outsider, auditor];
        for (uint256 i; i < 2; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(IModelRegistry.RegistryDownloadNotAuthorized.selector, callers[i], model)
            );
            vm.prank(callers[i]);
            registry.recordDownload(model);
        }
    }

    function test_recordDownload_revertsForStaffAndPatientsOfARemovedInstitution() public {
        vm.prank(instB);
        registry.grantPatientAccess(patient, model, uint64(block.timestamp + 100));
        vm.prank(admin);
        membership.remove(idB);
        address[3] memory callers = [clinician, patient, instB];
        for (uint256 i; i < 3; ++i) {
            assertFalse(registry.canDownload(callers[i], model));
            vm.expectRevert(
                abi.encodeWithSelector(IModelRegistry.RegistryDownloadNotAuthorized.selector, callers[i], model)
            );
            vm.prank(callers[i]);
            registry.recordDownload(model);
        }
    }

    function test_recordDownload_revertsWhenPausedOrInactive() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RegistryModelNotActive.selector, 99));
        vm.prank(instA);
        registry.recordDownload(99);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RegistryModelNotActive.selector, 0));
        vm.prank(instA);
        registry.recordDownload(0);
        vm.prank(guardian);
        registry.pause();
        assertFalse(registry.canDownload(instA, model));
        vm.expectRevert(IModelRegistry.RegistryPaused.selector);
        vm.prank(instA);
        registry.recordDownload(model);
    }

    function test_canDownload_answersPerAccount() public view {
        assertTrue(registry.canDownload(instA, model));
        assertTrue(registry.canDownload(clinician, model));
        assertFalse(registry.canDownload(outsider, model));
        assertFalse(registry.canDownload(instA, model + 1));
    }
}
