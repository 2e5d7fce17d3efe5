// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {ModelRegistry} from "../../contracts/ModelRegistry.sol";
import {TaskDirectory} from "../../contracts/TaskDirectory.sol";
import {IModelEvaluations} from "../../contracts/interfaces/IModelEvaluations.sol";
import {IModelRegistry} from "../../contracts/interfaces/IModelRegistry.sol";
import {ITaskDirectory} from "../../contracts/interfaces/ITaskDirectory.sol";
import {FakeRegistry, ShortAnswer, TaskFixture} from "../utils/TaskFixture.sol";

contract TaskDirectoryTest is TaskFixture {
    string internal constant SEGMENT = "brain-tumor-mri/segmentation";
    bytes32 internal constant SEGMENT_TASK = keccak256("brain-tumor-mri/segmentation");

    // ------------------------------------------------------------------ reads

    function test_listsBothTasksInOrder() public view {
        assertEq(directory.taskCount(), 2);
        (bytes32 id0, string memory name0, address reg0) = directory.taskAt(0);
        (bytes32 id1, string memory name1, address reg1) = directory.taskAt(1);
        assertEq(id0, TASK);
        assertEq(name0, BINARY);
        assertEq(reg0, address(registry));
        assertEq(id1, TYPE_TASK);
        assertEq(name1, TYPE);
        assertEq(reg1, address(typeRegistry));
        assertEq(directory.registryOf(TYPE_TASK), address(typeRegistry));
        assertEq(directory.taskOf(address(typeRegistry)), TYPE_TASK);
        assertEq(directory.taskOf(outsider), bytes32(0));
        assertEq(directory.membership(), address(membership));
        assertEq(directory.governance(), admin);
    }

    function test_registryOfUnknownTaskReverts() public {
        vm.expectRevert(abi.encodeWithSelector(ITaskDirectory.TaskDirectoryUnknownTask.selector, SEGMENT_TASK));
        directory.registryOf(SEGMENT_TASK);
    }

    function test_taskAtOutOfRangeReverts() public {
        vm.expectRevert(abi.encodeWithSelector(ITaskDirectory.TaskDirectoryIndexOutOfRange.selector, 2, 2));
        directory.taskAt(2);
    }

    // ------------------------------------------------------------------ addTask

    function test_addTaskEmitsAndSyncsCurrentMembers() public {
        ModelRegistry segment = deployTaskRegistry(SEGMENT_TASK, admin, address(membership));
        vm.expectEmit(true, true, false, true, address(directory));
        emit ITaskDirectory.TaskAdded(SEGMENT_TASK, SEGMENT, address(segment));
        vm.prank(admin);
        directory.addTask(SEGMENT, address(segment));
        assertEq(directory.registryOf(SEGMENT_TASK), address(segment));
        assertEq(uint8(segment.rolesOf(instA).kind), uint8(IModelRegistry.AccountKind.Member));
        assertEq(segment.rolesOf(instB).institutionId, idB);
    }

    function test_addTaskSkipsRemovedInstitutions() public {
        address instC = makeAddr("instC");
        vm.startPrank(admin);
        uint256 idC = membership.admit(instC, "Cedar Clinic", "");
        membership.remove(idA);
        ModelRegistry segment = deployTaskRegistry(SEGMENT_TASK, admin, address(membership));
        directory.addTask(SEGMENT, address(segment));
        vm.stopPrank();
        assertEq(uint8(segment.rolesOf(instA).kind), uint8(IModelRegistry.AccountKind.None));
        assertEq(segment.rolesOf(instB).institutionId, idB);
        assertEq(segment.rolesOf(instC).institutionId, idC);
    }

    function test_addTaskOnlyAdmin() public {
        ModelRegistry segment = deployTaskRegistry(SEGMENT_TASK, admin, address(membership));
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, instA, bytes32(0))
        );
        vm.prank(instA);
        directory.addTask(SEGMENT, address(segment));
    }

    function test_addTaskRejectsEmptyName() public {
        vm.expectRevert(ITaskDirectory.TaskDirectoryEmptyName.selector);
        vm.prank(admin);
        directory.addTask("", address(typeRegistry));
    }

    function test_addTaskRejectsLongName() public {
        string memory long = string(new bytes(129));
        vm.expectRevert(abi.encodeWithSelector(ITaskDirectory.TaskDirectoryNameTooLong.selector, 129, 128));
        vm.prank(admin);
        directory.addTask(long, address(typeRegistry));
    }

    /// @dev Security review (issue 15): names that read like another task's in a vote or a
    /// switcher (zero-width space, Cyrillic e, capitals, a bidi override, a space, NUL), each with
    /// a genuine registry of that name, are refused with the offending byte.
    function test_addTaskRejectsNamesThatCouldPassForAnother() public {
        string[6] memory names = [
            "brain-tumor-mri/binary\u200b",
            "brain-tumor-mri/typ\u0435",
            "Brain-tumor-mri/type",
            "brain-tumor-mri/\u202eepyt",
            "brain-tumor-mri/type ",
            "brain-tumor-mri/type\x00"
        ];
        uint256[6] memory badAt = [uint256(22), 19, 0, 16, 20, 20];
        for (uint256 i; i < names.length; ++i) {
            ModelRegistry lookalike = deployTaskRegistry(keccak256(bytes(names[i])), admin, address(membership));
            vm.expectRevert(
                abi.encodeWithSelector(
                    ITaskDirectory.TaskDirectoryInvalidNameCharacter.selector, badAt[i], bytes(names[i])[badAt[i]]
                )
            );
            vm.prank(admin);
            directory.addTask(names[i], address(lookalike));
        }
        assertEq(directory.taskCount(), 2);
        // Every allowed character at once.
        string memory plain = "abcdefghijklmnopqrstuvwxyz/0123456789-_.";
        ModelRegistry ok = deployTaskRegistry(keccak256(bytes(plain)), admin, address(membership));
        vm.prank(admin);
        directory.addTask(plain, address(ok));
        assertEq(directory.registryOf(keccak256(bytes(plain))), address(ok));
    }

    function test_addTaskRejectsAnAccountWithoutCode() public {
        vm.expectRevert(abi.encodeWithSelector(ITaskDirectory.TaskDirectoryNotAContract.selector, outsider));
        vm.prank(admin);
        directory.addTask(SEGMENT, outsider);
    }

    function test_addTaskRejectsAContractThatIsNoRegistry() public {
        vm.expectRevert(abi.encodeWithSelector(ITaskDirectory.TaskDirectoryNotARegistry.selector, address(membership)));
        vm.prank(admin);
        directory.addTask(SEGMENT, address(membership));
        address short = address(new ShortAnswer());
        vm.expectRevert(abi.encodeWithSelector(ITaskDirectory.TaskDirectoryNotARegistry.selector, short));
        vm.prank(admin);
        directory.addTask(SEGMENT, short);
    }

    function test_addTaskRejectsARegistryOfAnotherTask() public {
        ModelRegistry other = deployTaskRegistry(TYPE_TASK, admin, address(membership));
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskDirectory.TaskDirectoryTaskMismatch.selector, address(other), SEGMENT_TASK, TYPE_TASK
            )
        );
        vm.prank(admin);
        directory.addTask(SEGMENT, address(other));
    }

    function test_addTaskRejectsARegistryOfAnotherMembership() public {
        address otherMembership = address(deployMembership(admin));
        ModelRegistry segment = deployTaskRegistry(SEGMENT_TASK, admin, otherMembership);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskDirectory.TaskDirectoryMembershipMismatch.selector,
                address(segment),
                address(membership),
                otherMembership
            )
        );
        vm.prank(admin);
        directory.addTask(SEGMENT, address(segment));
    }

    function test_addTaskRejectsARegistryGovernanceDoesNotAdminister() public {
        ModelRegistry segment = deployTaskRegistry(SEGMENT_TASK, outsider, address(membership));
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskDirectory.TaskDirectoryRegistryNotGoverned.selector, address(segment), admin
            )
        );
        vm.prank(admin);
        directory.addTask(SEGMENT, address(segment));
    }

    function test_addTaskRejectsATaskAlreadyAdded() public {
        ModelRegistry second = deployTaskRegistry(TYPE_TASK, admin, address(membership));
        vm.expectRevert(
            abi.encodeWithSelector(ITaskDirectory.TaskDirectoryTaskExists.selector, TYPE_TASK, address(typeRegistry))
        );
        vm.prank(admin);
        directory.addTask(TYPE, address(second));
    }

    function test_addTaskRejectsARegistryThatServesATask() public {
        FakeRegistry fake = new FakeRegistry(SEGMENT_TASK, address(membership), admin);
        vm.prank(admin);
        directory.addTask(SEGMENT, address(fake));
        // An upgrade could change what a registry answers; it still serves one task only.
        fake.setTask(keccak256("brain-tumor-mri/grade"));
        vm.expectRevert(
            abi.encodeWithSelector(ITaskDirectory.TaskDirectoryRegistryInUse.selector, address(fake), SEGMENT_TASK)
        );
        vm.prank(admin);
        directory.addTask("brain-tumor-mri/grade", address(fake));
    }

    function test_addTaskRequiresTheDirectoryToObserveMembership() public {
        ModelRegistry segment = deployTaskRegistry(SEGMENT_TASK, admin, address(membership));
        vm.startPrank(admin);
        membership.setObserver(address(registry));
        vm.expectRevert(
            abi.encodeWithSelector(
                ITaskDirectory.TaskDirectoryNotMembershipObserver.selector, address(registry)
            )
        );
        directory.addTask(SEGMENT, address(segment));
        vm.stopPrank();
    }

    // ------------------------------------------------------------------ relay

    function test_admissionAndRemovalReachEveryRegistry() public {
        address instC = makeAddr("instC");
        vm.prank(admin);
        uint256 idC = membership.admit(instC, "Cedar Clinic", "");
        assertEq(registry.rolesOf(instC).institutionId, idC);
        assertEq(typeRegistry.rolesOf(instC).institutionId, idC);
        vm.prank(admin);
        membership.remove(idB);
        assertEq(uint8(registry.rolesOf(instB).kind), uint8(IModelRegistry.AccountKind.None));
        assertEq(uint8(typeRegistry.rolesOf(instB).kind), uint8(IModelRegistry.AccountKind.None));
        // B's clinician loses access in both tasks at once.
        uint256 id = publishType(9000, 9000);
        assertFalse(typeRegistry.canDownload(clinician, id));
    }

    function test_relayOnlyFromMembership() public {
        vm.expectRevert(abi.encodeWithSelector(ITaskDirectory.TaskDirectoryOnlyMembership.selector, outsider));
        vm.prank(outsider);
        directory.onMembershipChanged(outsider, 9, true);
    }

    function test_registryRefusesMembershipFromAnyoneButMembershipOrItsObserver() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RegistryOnlyMembership.selector, outsider));
        vm.prank(outsider);
        typeRegistry.onMembershipChanged(outsider, 9, true);
        // A directory the membership does not name is refused too.
        TaskDirectory stray = deployDirectory(admin, admin, address(membership));
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RegistryOnlyMembership.selector, address(stray)));
        vm.prank(address(stray));
        typeRegistry.onMembershipChanged(outsider, 9, true);
    }

    // ------------------------------------------------------------------ per task

    function test_typeTaskActivityLeavesTheBinaryTaskAlone() public {
        uint256 binaryId = publish(8000, 8000);
        vm.prank(clinician);
        registry.recordDownload(binaryId);
        uint256[] memory binaryTop = registry.topTenIds();
        for (uint256 i; i < 11; ++i) publishType(uint16(5000 + i * 100), 9000);
        uint256 typeLatest = typeRegistry.latestModelId();
        vm.prank(clinician);
        typeRegistry.recordDownload(typeLatest);
        evaluate(instB, binaryId, 7000, 7000); // only the binary registry changes its own model
        assertEq(registry.latestModelId(), binaryId);
        assertEq(registry.nextModelId(), 2);
        assertEq(registry.topTenIds(), binaryTop);
        assertEq(typeRegistry.topTenIds().length, 10);
        assertEq(typeRegistry.nextModelId(), 12);
        // Ids restart in each registry: model 1 of each task is a different model.
        assertTrue(registry.getModel(1).taskId != typeRegistry.getModel(2).taskId);
    }

    /// @dev A K-class task's figures are macro averages (docs/interfaces.md section 14): the smoke
    /// type model's evaluation (accuracy 50 %, macro recall 50 %, macro specificity 83.33 %, macro
    /// precision 41.67 %, macro F1 43.33 %; 6 tumor and 2 tumor-free images) obeys neither binary
    /// identity. The type registry takes it and ranks by its macro F1; the binary registry refuses it.
    function test_typeTaskTakesMacroFiguresTheBinaryTaskRefuses() public {
        IModelRegistry.EvaluationParams memory e = evaluation(8000, 8000);
        (e.accuracy, e.precision, e.recall, e.specificity, e.f1) = (5000, 4167, 5000, 8333, 4333);
        (e.positives, e.negatives) = (6, 2);
        uint256 typeId = publishType(9000, 9000);
        vm.prank(instB);
        typeRegistry.submitEvaluation(typeId, e);
        assertEq(typeRegistry.evaluationOf(typeId, idB).f1, 4333);
        uint256 binaryId = publish(9000, 9000);
        vm.expectRevert(
            abi.encodeWithSelector(IModelEvaluations.RegistryEvaluationAccuracyInconsistent.selector, 5000, 5000, 8333)
        );
        vm.prank(instB);
        registry.submitEvaluation(binaryId, e);
    }

    function test_publishOfTheOtherTaskIsRefused() public {
        IModelRegistry.PublishParams memory p = params(9000, 9000);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RegistryTaskMismatch.selector, TYPE_TASK, TASK));
        vm.prank(publisher);
        typeRegistry.publish(p);
    }

    // ------------------------------------------------------------------ setup and upgrades

    function test_initializeRejectsZeroAddresses() public {
        address impl = address(new TaskDirectory());
        address[3][3] memory cases =
            [[address(0), admin, address(membership)], [admin, address(0), address(membership)], [admin, admin, address(0)]];
        for (uint256 i; i < 3; ++i) {
            bytes memory init = abi.encodeCall(TaskDirectory.initialize, (cases[i][0], cases[i][1], cases[i][2]));
            vm.expectRevert(ITaskDirectory.TaskDirectoryZeroAddress.selector);
            new ERC1967Proxy(impl, init);
        }
    }

    function test_initializeOnlyOnce() public {
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        directory.initialize(outsider, outsider, outsider);
    }

    function test_upgradeOnlyByAdmin() public {
        address next = address(new TaskDirectory());
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, outsider, bytes32(0))
        );
        vm.prank(outsider);
        directory.upgradeToAndCall(next, "");
        vm.prank(admin);
        directory.upgradeToAndCall(next, "");
        assertEq(directory.taskCount(), 2);
    }
}
