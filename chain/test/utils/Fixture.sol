// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {TimelockControllerUpgradeable} from
    "@openzeppelin/contracts-upgradeable/governance/TimelockControllerUpgradeable.sol";
import {Membership} from "../../contracts/Membership.sol";
import {ModelRegistry} from "../../contracts/ModelRegistry.sol";
import {ConsortiumGovernor} from "../../contracts/ConsortiumGovernor.sol";
import {ConsortiumTimelock} from "../../contracts/ConsortiumTimelock.sol";
import {IModelRegistry} from "../../contracts/interfaces/IModelRegistry.sol";

/// @dev Membership + registry behind proxies, with an EOA standing in for governance (`admin`),
/// two member institutions, a publisher (staff of A), a clinician (staff of B), a patient, an
/// auditor, a guardian and an outsider. Governance itself is exercised in GovernanceTest and the
/// TypeScript flow tests.
abstract contract Fixture is Test {
    bytes32 internal constant TASK = keccak256("brain-tumor-mri/binary");
    uint32 internal constant RAW = 0x55;
    uint32 internal constant DAG_PB = 0x70;

    Membership internal membership;
    ModelRegistry internal registry;

    address internal admin = makeAddr("admin");
    address internal instA = makeAddr("instA");
    address internal instB = makeAddr("instB");
    address internal publisher = makeAddr("publisher");
    address internal clinician = makeAddr("clinician");
    address internal patient = makeAddr("patient");
    address internal auditor = makeAddr("auditor");
    address internal guardian = makeAddr("guardian");
    address internal outsider = makeAddr("outsider");

    uint256 internal idA;
    uint256 internal idB;
    uint256 internal shaNonce;

    function setUp() public virtual {
        membership = deployMembership(admin);
        registry = deployRegistry(admin, address(membership), new address[](0));
        vm.startPrank(admin);
        membership.setObserver(address(registry));
        idA = membership.admit(instA, "Aurora University Hospital", "ipfs://a");
        idB = membership.admit(instB, "Borealis Medical Center", "");
        registry.grantRole(registry.PUBLISHER_ROLE(), publisher);
        registry.grantRole(registry.AUDITOR_ROLE(), auditor);
        registry.grantRole(registry.GUARDIAN_ROLE(), guardian);
        vm.stopPrank();
        vm.prank(instA);
        registry.addStaff(publisher);
        vm.prank(instB);
        registry.addStaff(clinician);
    }

    function deployMembership(address owner) internal returns (Membership) {
        bytes memory init = abi.encodeCall(Membership.initialize, (owner, "NeuroLedger Membership", "NLM"));
        return Membership(address(new ERC1967Proxy(address(new Membership()), init)));
    }

    function deployRegistry(address owner, address membershipAddress, address[] memory publishers)
        internal
        returns (ModelRegistry)
    {
        bytes memory init = abi.encodeCall(ModelRegistry.initialize, (owner, membershipAddress, TASK, publishers));
        return ModelRegistry(address(new ERC1967Proxy(address(new ModelRegistry()), init)));
    }

    function deployTimelock(uint256 delay, address owner) internal returns (ConsortiumTimelock) {
        bytes memory init = abi.encodeCall(
            TimelockControllerUpgradeable.initialize, (delay, new address[](0), new address[](1), owner)
        );
        return ConsortiumTimelock(payable(address(new ERC1967Proxy(address(new ConsortiumTimelock()), init))));
    }

    function deployGovernor(IVotes token, ConsortiumTimelock lock, ConsortiumGovernor.Settings memory settings)
        internal
        returns (ConsortiumGovernor)
    {
        bytes memory init = abi.encodeCall(ConsortiumGovernor.initialize, (token, lock, settings));
        return ConsortiumGovernor(payable(address(new ERC1967Proxy(address(new ConsortiumGovernor()), init))));
    }

    function cid(string memory label, uint256 n) internal pure returns (IModelRegistry.Cid memory) {
        return IModelRegistry.Cid({digest: keccak256(abi.encode(label, n)), codec: DAG_PB});
    }

    function params(uint16 f1, uint16 accuracy) internal returns (IModelRegistry.PublishParams memory p) {
        uint256 n = ++shaNonce;
        p.content = cid("content", n);
        p.keyring = IModelRegistry.Cid({digest: keccak256(abi.encode("keyring", n)), codec: RAW});
        p.sha256 = sha256(abi.encode(n));
        p.metrics = IModelRegistry.Metrics({
            accuracy: accuracy,
            precision: 9000,
            recall: 8000,
            f1: f1,
            auc: 9500,
            testSetSize: 600
        });
        p.taskId = TASK;
        p.cardHash = sha256(abi.encode("card", n));
        p.weightsHash = sha256(abi.encode("weights", n));
    }

    /// @dev A coherent evaluation on 100 + 100 images with this F1 and accuracy: precision =
    /// recall = f1, specificity = 2 * accuracy - f1 (so `accuracy` must lie within f1 / 2 of
    /// the middle: 0 <= 2 * accuracy - f1 <= 10000).
    function evaluation(uint16 f1, uint16 accuracy) internal pure returns (IModelRegistry.EvaluationParams memory e) {
        e.accuracy = accuracy;
        e.precision = f1;
        e.recall = f1;
        e.specificity = uint16(2 * uint256(accuracy) - f1);
        e.f1 = f1;
        e.auc = 9000;
        e.positives = 100;
        e.negatives = 100;
        e.fingerprint = keccak256(abi.encode("evaluation set", f1, accuracy));
        e.codeVersion = (0 << 16) | (1 << 8);
        e.cardVersion = 2;
    }

    function evaluate(address account, uint256 modelId, uint16 f1, uint16 accuracy) internal {
        IModelRegistry.EvaluationParams memory e = evaluation(f1, accuracy);
        vm.prank(account);
        registry.submitEvaluation(modelId, e);
    }

    function publish(uint16 f1, uint16 accuracy) internal returns (uint256) {
        IModelRegistry.PublishParams memory p = params(f1, accuracy);
        vm.prank(publisher);
        return registry.publish(p);
    }
}
