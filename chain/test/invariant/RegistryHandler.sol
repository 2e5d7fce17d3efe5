// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {CommonBase} from "forge-std/Base.sol";
import {StdCheats} from "forge-std/StdCheats.sol";
import {StdUtils} from "forge-std/StdUtils.sol";
import {Membership} from "../../contracts/Membership.sol";
import {ModelRegistry} from "../../contracts/ModelRegistry.sol";
import {IModelRegistry} from "../../contracts/interfaces/IModelRegistry.sol";

/// @dev Drives the registry and membership with random but mostly valid calls, and keeps its own
/// record (ghost state) of who should be allowed to do what.
contract RegistryHandler is CommonBase, StdCheats, StdUtils {
    bytes32 internal constant TASK = keccak256("brain-tumor-mri/binary");

    Membership internal immutable membership;
    ModelRegistry internal immutable registry;
    address internal immutable admin;
    address internal immutable publisher;

    address[] public actors;
    uint256[] public publishedIds;
    bytes32[] public publishedWeights;
    mapping(address => uint256) public memberId;
    mapping(address => uint256) public staffOf; // account => institution id
    mapping(address => mapping(uint256 => uint256)) public grantExpiry;
    mapping(address => mapping(uint256 => uint256)) public grantInstitution;
    mapping(uint256 => address) public institutionAccount;

    uint256 public unauthorizedDownloads;
    uint256 public duplicateWeightsAccepted;
    uint256 public tokensMoved;
    uint256 public downloads;
    uint256 public evaluations;
    uint256 public quorumChanges;
    uint256 internal nonce;

    constructor(Membership membership_, ModelRegistry registry_, address admin_, address publisher_, address[] memory actors_)
    {
        membership = membership_;
        registry = registry_;
        admin = admin_;
        publisher = publisher_;
        actors = actors_;
        for (uint256 i; i < actors_.length; ++i) {
            uint256 id = membership_.institutionOf(actors_[i]);
            if (id != 0) {
                memberId[actors_[i]] = id;
                institutionAccount[id] = actors_[i];
            }
            IModelRegistry.AccountRoles memory roles = registry_.rolesOf(actors_[i]);
            if (roles.kind == IModelRegistry.AccountKind.Staff) staffOf[actors_[i]] = roles.institutionId;
        }
    }

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    function publishedCount() external view returns (uint256) {
        return publishedIds.length;
    }

    function publish(uint16 f1, uint16 accuracy, uint256 parentSeed) external {
        f1 = uint16(bound(f1, 0, 10_000));
        accuracy = uint16(bound(accuracy, 0, 10_000));
        IModelRegistry.PublishParams memory p;
        uint256 n = ++nonce;
        p.content = IModelRegistry.Cid({digest: keccak256(abi.encode("c", n)), codec: 0x70});
        p.keyring = IModelRegistry.Cid({digest: keccak256(abi.encode("k", n)), codec: 0x55});
        p.sha256 = sha256(abi.encode(n));
        p.metrics = IModelRegistry.Metrics(accuracy, 5000, 5000, f1, 5000, 100);
        p.taskId = TASK;
        // Without a card hash every publish reverted (since v2), and the suite checked an empty registry.
        p.cardHash = sha256(abi.encode("card", n));
        // Distinct weights per publish: a repeated hash is refused (see republishKnownWeights).
        p.weightsHash = sha256(abi.encode("weights", n));
        p.parentId = publishedIds.length == 0 ? 0 : bound(parentSeed, 0, publishedIds.length);
        vm.prank(publisher);
        try registry.publish(p) returns (uint256 id) {
            publishedIds.push(id);
            publishedWeights.push(p.weightsHash);
        } catch {}
    }

    /// @dev The same weights in another file (new sha256, CIDs, card, better claim), kept, evicted
    /// or revoked: always refused.
    function republishKnownWeights(uint256 index, uint16 f1) external {
        if (publishedWeights.length == 0) return;
        IModelRegistry.PublishParams memory p;
        uint256 n = ++nonce;
        p.content = IModelRegistry.Cid({digest: keccak256(abi.encode("again-c", n)), codec: 0x70});
        p.keyring = IModelRegistry.Cid({digest: keccak256(abi.encode("again-k", n)), codec: 0x55});
        p.sha256 = sha256(abi.encode("again", n));
        p.metrics = IModelRegistry.Metrics(5000, 5000, 5000, uint16(bound(f1, 0, 10_000)), 5000, 100);
        p.taskId = TASK;
        p.cardHash = sha256(abi.encode("again-card", n));
        p.weightsHash = publishedWeights[bound(index, 0, publishedWeights.length - 1)];
        vm.prank(publisher);
        try registry.publish(p) {
            ++duplicateWeightsAccepted;
        } catch {}
    }

    function revoke(uint256 index) external {
        if (publishedIds.length == 0) return;
        uint256 id = publishedIds[bound(index, 0, publishedIds.length - 1)];
        if (!registry.isActive(id)) return;
        vm.prank(admin);
        registry.revoke(id, "invariant");
    }

    /// @dev A coherent evaluation (precision = recall = f1) by any actor of a kept model (mostly)
    /// or any published one; refused ones (outsiders, evicted models) are expected.
    function evaluate(uint256 actorIndex, uint256 modelIndex, uint16 f1, uint16 specificity) external {
        if (publishedIds.length == 0) return;
        address actor = actors[bound(actorIndex, 0, actors.length - 1)];
        uint256[] memory kept = registry.topTenIds();
        // Mostly the first few kept models, so one institution often measures one model again.
        uint256 pick = bound(modelIndex, 0, 4);
        if (pick > kept.length) pick = kept.length;
        uint256 id = pick < kept.length && pick < 3
            ? kept[pick]
            : pick != 4 ? registry.latestModelId() : publishedIds[modelIndex % publishedIds.length];
        // Few distinct values so ties happen.
        f1 = uint16(bound(f1, 0, 8) * 1250);
        specificity = uint16(bound(specificity, 0, 4) * 2500);
        IModelRegistry.EvaluationParams memory e;
        (e.precision, e.recall, e.f1, e.specificity) = (f1, f1, f1, specificity);
        e.accuracy = uint16((uint256(f1) + specificity) / 2);
        (e.auc, e.positives, e.negatives) = (5000, 100, 100);
        e.fingerprint = keccak256(abi.encode("set", actor));
        vm.prank(actor);
        try registry.submitEvaluation(id, e) {
            ++evaluations;
        } catch {}
    }

    function setQuorum(uint256 quorum) external {
        vm.prank(admin);
        registry.setEvaluationQuorum(bound(quorum, 1, 3));
        ++quorumChanges;
    }

    function download(uint256 actorIndex, uint256 modelIndex) external {
        if (publishedIds.length == 0) return;
        address actor = actors[bound(actorIndex, 0, actors.length - 1)];
        uint256 id = publishedIds[bound(modelIndex, 0, publishedIds.length - 1)];
        bool expected = _authorized(actor, id);
        vm.prank(actor);
        try registry.recordDownload(id) {
            ++downloads;
            if (!expected) ++unauthorizedDownloads;
        } catch {}
    }

    function addStaff(uint256 memberIndex, uint256 actorIndex) external {
        address member = actors[bound(memberIndex, 0, actors.length - 1)];
        address account = actors[bound(actorIndex, 0, actors.length - 1)];
        vm.prank(member);
        try registry.addStaff(account) {
            staffOf[account] = memberId[member];
        } catch {}
    }

    function removeStaff(uint256 memberIndex, uint256 actorIndex) external {
        address member = actors[bound(memberIndex, 0, actors.length - 1)];
        address account = actors[bound(actorIndex, 0, actors.length - 1)];
        vm.prank(member);
        try registry.removeStaff(account) {
            staffOf[account] = 0;
        } catch {}
    }

    function grant(uint256 memberIndex, uint256 actorIndex, uint256 modelIndex, uint32 duration) external {
        if (publishedIds.length == 0) return;
        address member = actors[bound(memberIndex, 0, actors.length - 1)];
        address account = actors[bound(actorIndex, 0, actors.length - 1)];
        uint256 id = publishedIds[bound(modelIndex, 0, publishedIds.length - 1)];
        uint64 expiry = uint64(block.timestamp + bound(duration, 1, 1 days));
        vm.prank(member);
        try registry.grantPatientAccess(account, id, expiry) {
            grantExpiry[account][id] = expiry;
            grantInstitution[account][id] = memberId[member];
        } catch {}
    }

    function admit(uint256 actorIndex) external {
        address account = actors[bound(actorIndex, 0, actors.length - 1)];
        if (memberId[account] != 0) return;
        vm.prank(admin);
        uint256 id = membership.admit(account, "Joined", "");
        memberId[account] = id;
        institutionAccount[id] = account;
        staffOf[account] = 0; // membership replaces a staff entry
    }

    function remove(uint256 actorIndex) external {
        address account = actors[bound(actorIndex, 0, actors.length - 1)];
        uint256 id = memberId[account];
        if (id == 0) return;
        vm.prank(admin);
        membership.remove(id);
        memberId[account] = 0;
        institutionAccount[id] = address(0);
    }

    function tryTransfer(uint256 fromIndex, uint256 toIndex) external {
        address from = actors[bound(fromIndex, 0, actors.length - 1)];
        address to = actors[bound(toIndex, 0, actors.length - 1)];
        uint256 id = memberId[from];
        if (id == 0) return;
        vm.prank(from);
        try membership.transferFrom(from, to, id) {
            ++tokensMoved;
        } catch {}
    }

    function warp(uint32 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 2 days));
    }

    function _authorized(address actor, uint256 id) private view returns (bool) {
        if (memberId[actor] != 0) return true;
        uint256 staffInstitution = staffOf[actor];
        if (staffInstitution != 0 && institutionAccount[staffInstitution] != address(0)) return true;
        uint256 grantedBy = grantInstitution[actor][id];
        return grantExpiry[actor][id] > block.timestamp && institutionAccount[grantedBy] != address(0);
    }
}
