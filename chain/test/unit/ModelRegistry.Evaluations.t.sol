// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IModelEvaluations} from "../../contracts/interfaces/IModelEvaluations.sol";
import {IModelRegistry} from "../../contracts/interfaces/IModelRegistry.sol";
import {Fixture} from "../utils/Fixture.sol";

/// @dev Members' evaluations: who may submit, what is refused, how records replace each other,
/// and how the score (worst independent site once `quorum` sites measured) moves the top ten.
contract ModelRegistryEvaluationsTest is Fixture {
    address internal instC = makeAddr("instC");
    uint256 internal idC;

    function setUp() public override {
        super.setUp();
        vm.prank(admin);
        idC = membership.admit(instC, "Cedar Clinic", "");
    }

    function test_submit_recordsTheInstitutionsEvaluationAndVerifiesTheModel() public {
        uint256 model = publish(9500, 9500);
        IModelRegistry.EvaluationParams memory e = evaluation(6000, 7000);
        vm.expectEmit(address(registry));
        emit IModelEvaluations.EvaluationSubmitted(model, idB, clinician, e, false, false);
        vm.expectEmit(address(registry));
        emit IModelEvaluations.ModelScored(model, 6000, 7000, true, 1, 0);
        vm.prank(clinician); // staff of B evaluates for B
        registry.submitEvaluation(model, e);

        IModelRegistry.EvaluationRecord memory stored = registry.evaluationOf(model, idB);
        assertEq(stored.institutionId, idB);
        assertEq(stored.evaluatedAt, block.timestamp);
        assertEq(stored.f1, 6000);
        assertEq(stored.specificity, 8000);
        assertEq(stored.codeVersion, e.codeVersion);
        assertEq(stored.cardVersion, 2);
        assertFalse(stored.publisherSite);
        IModelRegistry.Score memory score = registry.scoreOf(model);
        assertEq(score.f1, 6000);
        assertEq(score.accuracy, 7000);
        assertTrue(score.verified);
        assertEq(score.independentEvaluations, 1);
        assertEq(score.worstInstitutionId, idB);
    }

    function test_submit_publishersOwnInstitutionIsMarkedAndDoesNotVerify() public {
        uint256 model = publish(9500, 9500);
        evaluate(instA, model, 9900, 9900);
        IModelRegistry.EvaluationRecord memory own = registry.evaluationOf(model, idA);
        assertTrue(own.publisherSite);
        IModelRegistry.Score memory score = registry.scoreOf(model);
        assertFalse(score.verified);
        assertEq(score.f1, 9500); // still the claim
        assertEq(score.independentEvaluations, 0);
        evaluate(publisher, model, 2000, 5000); // staff of A: the publisher's site again
        assertEq(registry.scoreOf(model).f1, 9500);
    }

    function test_submit_replacesTheRecordAndKeepsOneCountPerInstitution() public {
        uint256 model = publish(9500, 9500);
        evaluate(instB, model, 6000, 7000);
        IModelRegistry.EvaluationParams memory e = evaluation(8000, 8000);
        vm.expectEmit(address(registry));
        emit IModelEvaluations.EvaluationSubmitted(model, idB, clinician, e, false, true);
        vm.prank(clinician);
        registry.submitEvaluation(model, e);
        assertEq(registry.evaluationOf(model, idB).f1, 8000);
        assertEq(registry.evaluationOf(model, idB).evaluatedAt, block.timestamp);
        assertEq(registry.scoreOf(model).independentEvaluations, 1);
        assertEq(registry.scoreOf(model).f1, 8000);
    }

    function test_score_isTheWorstIndependentSiteAndRescansWhenItImproves() public {
        uint256 model = publish(9500, 9500);
        evaluate(instB, model, 7000, 7000);
        evaluate(instC, model, 5000, 6000);
        assertEq(registry.scoreOf(model).f1, 5000);
        assertEq(registry.scoreOf(model).worstInstitutionId, idC);
        // C measures again and does better than B: B is now the worst site.
        evaluate(instC, model, 9000, 9000);
        assertEq(registry.scoreOf(model).f1, 7000);
        assertEq(registry.scoreOf(model).worstInstitutionId, idB);
        assertEq(registry.scoreOf(model).independentEvaluations, 2);
        // Ties on F1 break by accuracy.
        evaluate(instB, model, 9000, 8000);
        assertEq(registry.scoreOf(model).accuracy, 8000);
        assertEq(registry.scoreOf(model).worstInstitutionId, idB);
    }

    function test_rerank_movesAModelDownAndUpWithinTheTopTen() public {
        uint256 first = publish(9500, 9500);
        uint256 second = publish(9000, 9000);
        uint256 third = publish(8000, 8000);
        evaluate(instB, first, 5000, 6000);
        _assertTop(second, third, first);
        evaluate(instB, third, 9900, 9900);
        _assertTop(third, second, first);
        evaluate(instB, first, 9950, 9950);
        _assertTop(first, third, second);
    }

    function test_rerank_anUnrankedLatestThatNowBeatsTheTenthEntersAndEvictsIt() public {
        uint256[] memory ids = new uint256[](10);
        for (uint16 i; i < 10; ++i) ids[i] = publish(8000 + i, 8000);
        uint256 latest = publish(7000, 7000);
        assertEq(registry.topTenIds().length, 10);
        assertEq(_place(latest), 10);
        uint256 tenth = registry.topTenIds()[9];
        assertEq(tenth, ids[0]);
        vm.expectEmit(address(registry));
        emit IModelEvaluations.ModelScored(latest, 9900, 9900, true, 1, 0);
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelEvicted(tenth);
        evaluate(instB, latest, 9900, 9900);
        assertEq(registry.topTenIds()[0], latest);
        assertFalse(registry.isActive(tenth));
        assertEq(registry.latestModelId(), latest);
        // The evicted model's evaluation history stays readable.
        assertEq(registry.evaluationOf(latest, idB).f1, 9900);
    }

    function test_rerank_aRankedModelFallingBelowAnUnrankedLatestIsEvicted() public {
        for (uint16 i; i < 10; ++i) publish(8000 + i, 8000);
        uint256 latest = publish(7000, 7000);
        uint256 best = registry.topTenIds()[0];
        vm.expectEmit(address(registry));
        emit IModelEvaluations.ModelScored(best, 1000, 5000, true, 1, 255);
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelEvicted(best);
        vm.expectEmit(address(registry));
        emit IModelEvaluations.ModelScored(latest, 7000, 7000, false, 0, 9);
        evaluate(instB, best, 1000, 5000);
        assertFalse(registry.isActive(best));
        assertEq(registry.topTenIds()[9], latest);
        assertEq(registry.latestModelId(), latest);
    }

    function test_revoke_ranksAnUnrankedLatestInTheFreedPlace() public {
        for (uint16 i; i < 10; ++i) publish(8000 + i, 8000);
        uint256 latest = publish(7000, 7000);
        uint256 top = registry.topTenIds()[0];
        vm.expectEmit(address(registry));
        emit IModelEvaluations.ModelScored(latest, 7000, 7000, false, 0, 9);
        vm.prank(admin);
        registry.revoke(top, "bad");
        assertEq(registry.topTenIds().length, 10);
        assertEq(registry.topTenIds()[9], latest);
    }

    function test_quorum_governanceRaisesItAndTheClaimCountsAgain() public {
        uint256 first = publish(9500, 9500);
        uint256 second = publish(9000, 9000);
        evaluate(instB, first, 5000, 6000);
        _assertTop2(second, first);
        vm.expectEmit(address(registry));
        emit IModelEvaluations.EvaluationQuorumChanged(1, 2);
        vm.prank(admin);
        registry.setEvaluationQuorum(2);
        assertEq(registry.evaluationQuorum(), 2);
        assertFalse(registry.scoreOf(first).verified);
        _assertTop2(first, second);
        evaluate(instC, first, 6000, 6000);
        assertTrue(registry.scoreOf(first).verified);
        _assertTop2(second, first);
    }

    function test_quorum_resortEvictsAnEleventhThatIsNotTheLatest() public {
        vm.prank(admin);
        registry.setEvaluationQuorum(2);
        uint256 claimsHigh = publish(9900, 9900);
        for (uint16 i; i < 9; ++i) publish(8000 + i, 8000);
        uint256 latest = publish(7000, 7000);
        assertEq(_place(latest), 10);
        evaluate(instB, claimsHigh, 1000, 5000);
        assertEq(registry.topTenIds()[0], claimsHigh); // one site does not verify at quorum 2
        assertTrue(registry.isActive(latest));
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelEvicted(claimsHigh);
        vm.prank(admin);
        registry.setEvaluationQuorum(1); // verified at 0.10: below the unranked latest, so it leaves
        assertFalse(registry.isActive(claimsHigh));
        assertEq(registry.topTenIds().length, 10);
        assertEq(registry.topTenIds()[9], latest);
        assertEq(registry.latestModelId(), latest);
    }

    function test_quorum_refusesZeroTooLargeAndOthers() public {
        vm.expectRevert(abi.encodeWithSelector(IModelEvaluations.RegistryInvalidQuorum.selector, 0, 65536));
        vm.prank(admin);
        registry.setEvaluationQuorum(0);
        vm.expectRevert(abi.encodeWithSelector(IModelEvaluations.RegistryInvalidQuorum.selector, 65537, 65536));
        vm.prank(admin);
        registry.setEvaluationQuorum(65537);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, instB, bytes32(0))
        );
        vm.prank(instB);
        registry.setEvaluationQuorum(2);
    }

    function test_submit_refusesAccountsWithoutAnInstitution() public {
        uint256 model = publish(9000, 9000);
        IModelRegistry.EvaluationParams memory e = evaluation(8000, 8000);
        address[3] memory callers = [outsider, patient, auditor];
        for (uint256 i; i < callers.length; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(IModelEvaluations.RegistryEvaluatorWithoutInstitution.selector, callers[i])
            );
            vm.prank(callers[i]);
            registry.submitEvaluation(model, e);
        }
        // Staff of an institution that left may not evaluate either.
        vm.prank(admin);
        membership.remove(idB);
        vm.expectRevert(
            abi.encodeWithSelector(IModelEvaluations.RegistryEvaluatorWithoutInstitution.selector, clinician)
        );
        vm.prank(clinician);
        registry.submitEvaluation(model, e);
    }

    function test_submit_refusesInactiveModelsAndWhilePaused() public {
        uint256 model = publish(9000, 9000);
        IModelRegistry.EvaluationParams memory e = evaluation(8000, 8000);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RegistryModelNotActive.selector, 99));
        vm.prank(instB);
        registry.submitEvaluation(99, e);
        vm.prank(guardian);
        registry.pause();
        vm.expectRevert(IModelRegistry.RegistryPaused.selector);
        vm.prank(instB);
        registry.submitEvaluation(model, e);
    }

    function test_submit_refusesIncoherentNumbers() public {
        uint256 model = publish(9000, 9000);
        IModelRegistry.EvaluationParams memory e = evaluation(8000, 8000);
        e.auc = 10_001;
        _expectRefused(model, e, abi.encodeWithSelector(IModelRegistry.RegistryMetricOutOfRange.selector, 10_001));
        e = evaluation(8000, 8000);
        e.negatives = 0;
        _expectRefused(
            model, e, abi.encodeWithSelector(IModelEvaluations.RegistryEvaluationClassEmpty.selector, 100, 0)
        );
        e = evaluation(8000, 8000);
        e.positives = 0;
        _expectRefused(
            model, e, abi.encodeWithSelector(IModelEvaluations.RegistryEvaluationClassEmpty.selector, 0, 100)
        );
        e = evaluation(8000, 8000);
        e.fingerprint = bytes32(0);
        _expectRefused(model, e, abi.encodeWithSelector(IModelEvaluations.RegistryInvalidFingerprint.selector));
        e = evaluation(8000, 8000);
        e.accuracy = 9000; // recall 0.8 and specificity 0.8 on 100 + 100 images give 0.8
        _expectRefused(
            model,
            e,
            abi.encodeWithSelector(
                IModelEvaluations.RegistryEvaluationAccuracyInconsistent.selector, 9000, 8000, 8000
            )
        );
        e = evaluation(8000, 8000);
        e.f1 = 9900; // precision = recall = 0.8 give F1 0.8
        _expectRefused(
            model,
            e,
            abi.encodeWithSelector(IModelEvaluations.RegistryEvaluationF1Inconsistent.selector, 9900, 8000, 8000)
        );
    }

    function test_submit_acceptsFiguresRoundedToBasisPoints() public {
        uint256 model = publish(9000, 9000);
        // 37 tumors, 41 without: TP 29, TN 33, FP 5 -> recall 29/37, specificity 33/41,
        // precision 29/34, accuracy 62/78, F1 58/71; each rounded to a basis point.
        IModelRegistry.EvaluationParams memory e = evaluation(8000, 8000);
        (e.positives, e.negatives) = (37, 41);
        (e.recall, e.specificity, e.precision, e.accuracy, e.f1) = (7838, 8049, 8529, 7949, 8169);
        vm.prank(instB);
        registry.submitEvaluation(model, e);
        assertEq(registry.scoreOf(model).f1, 8169);
    }

    function _expectRefused(uint256 model, IModelRegistry.EvaluationParams memory e, bytes memory reason) private {
        vm.expectRevert(reason);
        vm.prank(instB);
        registry.submitEvaluation(model, e);
    }

    function _place(uint256 id) private view returns (uint256) {
        uint256[] memory ids = registry.topTenIds();
        for (uint256 i; i < ids.length; ++i) if (ids[i] == id) return i;
        return 10;
    }

    function _assertTop(uint256 a, uint256 b, uint256 c) private view {
        uint256[] memory ids = registry.topTenIds();
        assertEq(ids.length, 3);
        assertEq(ids[0], a);
        assertEq(ids[1], b);
        assertEq(ids[2], c);
    }

    function _assertTop2(uint256 a, uint256 b) private view {
        uint256[] memory ids = registry.topTenIds();
        assertEq(ids.length, 2);
        assertEq(ids[0], a);
        assertEq(ids[1], b);
    }
}
