// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {CommonBase} from "forge-std/Base.sol";
import {StdCheats} from "forge-std/StdCheats.sol";
import {StdUtils} from "forge-std/StdUtils.sol";
import {Vm} from "forge-std/Vm.sol";
import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {Membership} from "../../contracts/Membership.sol";
import {ModelRegistry} from "../../contracts/ModelRegistry.sol";
import {TaskDirectory} from "../../contracts/TaskDirectory.sol";
import {IModelRegistry} from "../../contracts/interfaces/IModelRegistry.sol";

/// @dev Drives the type task's registry (publish, download, evaluate, revoke), membership
/// (admit, remove: relayed to every registry) and the directory (add tasks with random names and
/// genuine or wrong registries), and counts every log the binary registry emits other than the
/// membership syncs it must receive.
contract TaskHandler is CommonBase, StdCheats, StdUtils {
    bytes32 internal constant TYPE_TASK = keccak256("brain-tumor-mri/type");
    bytes32 internal constant MEMBERSHIP_SYNCED = keccak256("MembershipSynced(address,uint256,bool)");

    Membership internal immutable membership;
    TaskDirectory internal immutable directory;
    ModelRegistry internal immutable binary;
    ModelRegistry internal immutable typeRegistry;
    address internal immutable admin;
    address internal immutable publisher;
    address internal immutable clinician;
    address[] internal members;

    uint256 public binaryLogs;
    uint256 public tasksAdded;
    uint256 public typePublishes;
    uint256 internal nonce;

    constructor(
        Membership membership_,
        TaskDirectory directory_,
        ModelRegistry binary_,
        ModelRegistry typeRegistry_,
        address admin_,
        address publisher_,
        address clinician_,
        address[] memory members_
    ) {
        membership = membership_;
        directory = directory_;
        binary = binary_;
        typeRegistry = typeRegistry_;
        admin = admin_;
        publisher = publisher_;
        clinician = clinician_;
        members = members_;
    }

    function publishType(uint16 f1, uint16 accuracy) external {
        vm.recordLogs();
        IModelRegistry.PublishParams memory p;
        uint256 n = ++nonce;
        p.content = IModelRegistry.Cid({digest: keccak256(abi.encode("c", n)), codec: 0x70});
        p.keyring = IModelRegistry.Cid({digest: keccak256(abi.encode("k", n)), codec: 0x55});
        p.sha256 = sha256(abi.encode(n));
        p.metrics = IModelRegistry.Metrics(uint16(bound(accuracy, 0, 10_000)), 5000, 5000, uint16(bound(f1, 0, 10_000)), 5000, 100);
        p.taskId = TYPE_TASK;
        p.cardHash = sha256(abi.encode("card", n));
        p.weightsHash = sha256(abi.encode("weights", n));
        vm.prank(publisher);
        try typeRegistry.publish(p) {
            ++typePublishes;
        } catch {}
        _countBinaryLogs();
    }

    function downloadType(uint256 seed) external {
        vm.recordLogs();
        uint256 latest = typeRegistry.latestModelId();
        if (latest != 0) {
            address who = seed % 2 == 0 ? clinician : members[seed % members.length];
            vm.prank(who);
            try typeRegistry.recordDownload(latest) {} catch {}
        }
        _countBinaryLogs();
    }

    function evaluateType(uint256 seed, uint16 f1) external {
        vm.recordLogs();
        uint256[] memory top = typeRegistry.topTenIds();
        if (top.length != 0) {
            IModelRegistry.EvaluationParams memory e;
            uint16 f = uint16(bound(f1, 0, 10_000));
            e.accuracy = f;
            e.precision = f;
            e.recall = f;
            e.specificity = f;
            e.f1 = f;
            e.auc = 9000;
            e.positives = 100;
            e.negatives = 100;
            e.fingerprint = keccak256(abi.encode(seed));
            e.codeVersion = 1 << 8;
            e.cardVersion = 2;
            vm.prank(members[seed % members.length]);
            try typeRegistry.submitEvaluation(top[seed % top.length], e) {} catch {}
        }
        _countBinaryLogs();
    }

    function revokeType(uint256 seed) external {
        vm.recordLogs();
        uint256[] memory top = typeRegistry.topTenIds();
        if (top.length != 0) {
            vm.prank(admin);
            typeRegistry.revoke(top[seed % top.length], "invariant");
        }
        _countBinaryLogs();
    }

    function admitOrRemove(uint256 seed) external {
        vm.recordLogs();
        address candidate = address(uint160(bound(seed, 1, 4) + 0xC0FFEE));
        uint256 id = membership.institutionOf(candidate);
        vm.prank(admin);
        if (id == 0) membership.admit(candidate, "Candidate", "");
        else membership.remove(id);
        _countBinaryLogs();
    }

    /// A task with a random name (mostly refused for its characters) or a well-formed one derived
    /// from it, with its own registry (added) or another task's (refused).
    function addTask(string calldata randomName, bool genuine, bool wellFormed) external {
        vm.recordLogs();
        string memory task =
            wellFormed ? string.concat("task/", vm.toString(keccak256(bytes(randomName)))) : randomName;
        bytes32 id = keccak256(bytes(task));
        bytes32 registryTask = genuine ? id : TYPE_TASK;
        bytes memory init =
            abi.encodeCall(ModelRegistry.initialize, (admin, address(membership), registryTask, new address[](0)));
        address candidate = address(new ERC1967Proxy(address(new ModelRegistry()), init));
        vm.prank(admin);
        try directory.addTask(task, candidate) {
            ++tasksAdded;
        } catch {}
        _countBinaryLogs();
    }

    function _countBinaryLogs() private {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == address(binary) && logs[i].topics[0] != MEMBERSHIP_SYNCED) ++binaryLogs;
        }
    }
}
