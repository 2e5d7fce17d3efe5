// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {ModelRegistry} from "../../contracts/ModelRegistry.sol";
import {IModelRegistry} from "../../contracts/interfaces/IModelRegistry.sol";
import {Fixture} from "../utils/Fixture.sol";

contract ModelRegistryPublishTest is Fixture {
    function test_publish_firstModelBecomesLatestAndRanksFirst() public {
        IModelRegistry.PublishParams memory p = params(9000, 9100);
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelPublished(1, publisher, idA, p.content, p.keyring, p.sha256, p.metrics, TASK, 0, 0);
        vm.prank(publisher);
        uint256 id = registry.publish(p);
        assertEq(id, 1);
        assertEq(registry.latestModelId(), 1);
        assertEq(registry.topTenIds().length, 1);
        assertEq(registry.nextModelId(), 2);
        assertEq(registry.modelIdByWeights(p.weightsHash), 1);
        assertEq(registry.modelIdByWeights(p.sha256), 0);
        IModelRegistry.Model memory m = registry.getModel(1);
        assertEq(m.content.digest, p.content.digest);
        assertEq(m.content.codec, DAG_PB);
        assertEq(m.keyring.codec, RAW);
        assertEq(m.keyringVersion, 1);
        assertEq(m.sha256, p.sha256);
        assertEq(m.metrics.f1, 9000);
        assertEq(m.metrics.accuracy, 9100);
        assertEq(m.metrics.precision, 9000);
        assertEq(m.metrics.recall, 8000);
        assertEq(m.metrics.auc, 9500);
        assertEq(m.metrics.testSetSize, 600);
        assertEq(m.taskId, TASK);
        assertEq(m.publisher, publisher);
        assertEq(m.institutionId, idA);
        assertEq(m.publishedAt, block.timestamp);
        assertEq(registry.latestModel().id, 1);
    }

    function test_publish_ranksByF1ThenAccuracyThenAge() public {
        uint256 a = publish(8000, 8000);
        uint256 b = publish(9000, 7000);
        uint256 c = publish(8000, 9000);
        uint256 d = publish(8000, 8000); // full tie with a: the older stays ahead
        uint256[] memory ids = registry.topTenIds();
        assertEq(ids.length, 4);
        assertEq(ids[0], b);
        assertEq(ids[1], c);
        assertEq(ids[2], a);
        assertEq(ids[3], d);
        IModelRegistry.Model[] memory models = registry.topTen();
        assertEq(models[0].id, b);
        assertEq(models[3].metrics.accuracy, 8000);
    }

    function test_publish_evictsTheTenthWhenABetterModelArrives() public {
        for (uint16 i = 1; i <= 10; ++i) publish(5000 + i, 5000);
        // model 1 (f1 5001) is tenth; model 10 is latest and first.
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelEvicted(1);
        uint256 id = publish(9999, 9999);
        assertEq(registry.topTenIds()[0], id);
        assertFalse(registry.isActive(1));
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RegistryModelNotActive.selector, 1));
        registry.getModel(1);
    }

    function test_publish_keepsAnUnrankedLatestUntilTheNextPublish() public {
        for (uint16 i = 1; i <= 10; ++i) publish(5000 + i, 5000);
        uint256 weak = publish(100, 100);
        assertEq(registry.latestModelId(), weak);
        assertTrue(registry.isActive(weak));
        assertEq(registry.topTenIds().length, 10);
        // The next publish replaces the unranked latest.
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelEvicted(weak);
        uint256 next = publish(50, 50);
        assertFalse(registry.isActive(weak));
        assertEq(registry.latestModelId(), next);
    }

    function test_publish_evictsBothTheTenthAndAnUnrankedLatest() public {
        for (uint16 i = 1; i <= 10; ++i) publish(5000 + i, 5000);
        uint256 weak = publish(100, 100);
        vm.recordLogs();
        uint256 best = publish(9000, 9000);
        assertFalse(registry.isActive(1));
        assertFalse(registry.isActive(weak));
        assertEq(registry.latestModelId(), best);
        assertEq(vm.getRecordedLogs().length, 4); // published + card bound + two evictions
        // A freed seat is zeroed and reused by the next model.
        uint256 after_ = publish(9100, 9100);
        assertEq(registry.topTenIds()[0], after_);
    }

    function test_publish_withKnownParent() public {
        uint256 parent = publish(8000, 8000);
        IModelRegistry.PublishParams memory p = params(8100, 8000);
        p.parentId = parent;
        vm.prank(publisher);
        uint256 child = registry.publish(p);
        assertEq(registry.getModel(child).parentId, parent);
    }

    function test_publish_revertsWhenCallerLacksPublisherRole() public {
        IModelRegistry.PublishParams memory p = params(1, 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, clinician, registry.PUBLISHER_ROLE()
            )
        );
        vm.prank(clinician);
        registry.publish(p);
    }

    function test_publish_revertsWhenPublisherHasNoInstitution() public {
        vm.prank(instA);
        registry.removeStaff(publisher);
        IModelRegistry.PublishParams memory p = params(1, 1);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RegistryPublisherWithoutInstitution.selector, publisher));
        vm.prank(publisher);
        registry.publish(p);
    }

    function test_publish_revertsWhenPaused() public {
        vm.prank(admin);
        registry.pause();
        IModelRegistry.PublishParams memory p = params(1, 1);
        vm.expectRevert(IModelRegistry.RegistryPaused.selector);
        vm.prank(publisher);
        registry.publish(p);
    }

    function test_publish_revertsOnEmptyCids() public {
        IModelRegistry.PublishParams memory p = params(1, 1);
        p.content.digest = 0;
        _expectPublishRevert(p, abi.encodeWithSelector(IModelRegistry.RegistryInvalidCid.selector, 0, DAG_PB));
        p = params(1, 1);
        p.keyring.codec = 0;
        _expectPublishRevert(
            p, abi.encodeWithSelector(IModelRegistry.RegistryInvalidCid.selector, p.keyring.digest, 0)
        );
    }

    function test_publish_revertsOnZeroSha() public {
        IModelRegistry.PublishParams memory p = params(1, 1);
        p.sha256 = 0;
        _expectPublishRevert(p, abi.encodeWithSelector(IModelRegistry.RegistryInvalidSha.selector));
    }

    function test_publish_revertsOnZeroWeightsHash() public {
        IModelRegistry.PublishParams memory p = params(1, 1);
        p.weightsHash = 0;
        _expectPublishRevert(p, abi.encodeWithSelector(IModelRegistry.RegistryInvalidWeightsHash.selector));
    }

    function test_publish_revertsWhenWeightsAlreadyPublished_withTheFirstModelsId() public {
        publish(1, 1);
        IModelRegistry.PublishParams memory first = params(1, 1);
        vm.prank(publisher);
        uint256 id = registry.publish(first);
        // Another file of the same network: new sha256, CIDs, card and a better claim.
        IModelRegistry.PublishParams memory copy = params(9999, 9999);
        copy.weightsHash = first.weightsHash;
        _expectPublishRevert(
            copy,
            abi.encodeWithSelector(IModelRegistry.RegistryWeightsAlreadyPublished.selector, first.weightsHash, id)
        );
        assertEq(registry.modelIdByWeights(first.weightsHash), id);
        assertEq(registry.nextModelId(), id + 1);
    }

    function test_publish_revertsWhenTheSameFileComesAgain() public {
        IModelRegistry.PublishParams memory p = params(1, 1);
        vm.prank(publisher);
        uint256 id = registry.publish(p);
        p.content.digest = bytes32(uint256(1));
        _expectPublishRevert(
            p, abi.encodeWithSelector(IModelRegistry.RegistryWeightsAlreadyPublished.selector, p.weightsHash, id)
        );
    }

    function test_publish_revertsWhenWeightsOfARevokedModelComeBack() public {
        IModelRegistry.PublishParams memory first = params(9000, 9000);
        vm.prank(publisher);
        uint256 id = registry.publish(first);
        vm.prank(admin);
        registry.revoke(id, "measured badly");
        IModelRegistry.PublishParams memory copy = params(9000, 9000);
        copy.weightsHash = first.weightsHash;
        _expectPublishRevert(
            copy,
            abi.encodeWithSelector(IModelRegistry.RegistryWeightsAlreadyPublished.selector, first.weightsHash, id)
        );
    }

    function test_publish_revertsWhenWeightsOfAnEvictedModelComeBack() public {
        IModelRegistry.PublishParams memory first = params(1, 1);
        vm.prank(publisher);
        registry.publish(first);
        for (uint16 i = 1; i <= 11; ++i) publish(5000 + i, 5000);
        assertFalse(registry.isActive(1));
        IModelRegistry.PublishParams memory copy = params(9000, 9000);
        copy.weightsHash = first.weightsHash;
        _expectPublishRevert(
            copy, abi.encodeWithSelector(IModelRegistry.RegistryWeightsAlreadyPublished.selector, first.weightsHash, 1)
        );
    }

    function test_publish_acceptsANewNetworkWithAnEarlierModelsSha256() public {
        // The sha256 is no longer unique on its own: the weights are what may not repeat.
        IModelRegistry.PublishParams memory first = params(1, 1);
        vm.prank(publisher);
        registry.publish(first);
        IModelRegistry.PublishParams memory other = params(2, 2);
        other.sha256 = first.sha256;
        vm.prank(publisher);
        assertEq(registry.publish(other), 2);
    }

    function test_publish_revertsWhenAnyMetricExceedsBasisPoints() public {
        for (uint256 field; field < 5; ++field) {
            IModelRegistry.PublishParams memory p = params(1, 1);
            if (field == 0) p.metrics.accuracy = 10001;
            if (field == 1) p.metrics.precision = 10001;
            if (field == 2) p.metrics.recall = 10001;
            if (field == 3) p.metrics.f1 = 10001;
            if (field == 4) p.metrics.auc = 10001;
            _expectPublishRevert(p, abi.encodeWithSelector(IModelRegistry.RegistryMetricOutOfRange.selector, 10001));
        }
    }

    function test_publish_revertsOnAnotherTask() public {
        IModelRegistry.PublishParams memory p = params(1, 1);
        p.taskId = keccak256("brain-tumor-mri/multiclass");
        _expectPublishRevert(
            p, abi.encodeWithSelector(IModelRegistry.RegistryTaskMismatch.selector, TASK, p.taskId)
        );
    }

    function test_publish_revertsOnUnknownParent() public {
        IModelRegistry.PublishParams memory p = params(1, 1);
        p.parentId = 1;
        _expectPublishRevert(p, abi.encodeWithSelector(IModelRegistry.RegistryUnknownParent.selector, 1));
    }

    function test_publish_revertsWhenModelIdsAreExhausted() public {
        // Set nextModelId (bits 48.. of the ranking slot) past the 22-bit id space.
        bytes32 rankingSlot = bytes32(uint256(0x564e01f72fb2c50a7c82bfe822f9b2ed27ecaedf85f12425943292aa85e22e00) + 1);
        uint256 ranking = uint256(vm.load(address(registry), rankingSlot));
        uint256 exhausted = (ranking & ((1 << 48) - 1)) | ((registry.MAX_MODEL_ID() + 1) << 48);
        vm.store(address(registry), rankingSlot, bytes32(exhausted));
        IModelRegistry.PublishParams memory p = params(1, 1);
        _expectPublishRevert(p, abi.encodeWithSelector(IModelRegistry.RegistryModelIdsExhausted.selector));
    }

    function _expectPublishRevert(IModelRegistry.PublishParams memory p, bytes memory reason) private {
        vm.expectRevert(reason);
        vm.prank(publisher);
        registry.publish(p);
    }
}
