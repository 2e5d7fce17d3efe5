// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IModelEvaluations
/// @notice Members' evaluations of kept models, and the ranking score they give (registry v3).
///
/// Each member institution (its member account or its staff) measures a kept model on its own
/// images, locally, and records the result: one record per (model, institution); a new submission
/// replaces the institution's previous one, and {EvaluationSubmitted} keeps the history. The
/// publisher's institution may evaluate too: its record is marked `publisherSite` and never counts
/// towards the score.
///
/// Score: a model's *key* is `f1 << 16 | accuracy` (basis points). Once at least `quorum`
/// independent institutions (other than the publisher's) evaluated it, the model ranks by the
/// **worst** independent key (the site where it did worst); before that by the publisher's claimed
/// key, shown as unverified. Worst site, not median or image-weighted: a clinician at a site unlike
/// the publisher's is protected from a model that works only at home, and raising a score takes
/// every independent evaluator, not a majority. The top ten is kept sorted by the current score
/// (ties: older first) after every publish, evaluation, revocation and quorum change.
///
/// What the chain cannot enforce: that the images were evaluated at all, or as described. It
/// checks the numbers are coherent (basis points, both classes present, accuracy agreeing with
/// sensitivity, specificity and the class counts), binds each record to an institution, an
/// account and the evaluation set's fingerprint, and makes every submission public and permanent.
interface IModelEvaluations {
    /// @notice What an evaluating institution submits. Metrics in basis points (`round(x * 10000)`):
    /// `recall` is the sensitivity, `specificity` the true-negative rate. `positives` / `negatives`:
    /// images with / without a tumor (both > 0). `fingerprint`: the evaluation set's fingerprint
    /// (the model card's `data.fingerprint` definition, not zero). `codeVersion`: the evaluating
    /// software's version as `major << 16 | minor << 8 | patch`. `cardVersion`: the model card
    /// schema version whose preprocessing was used.
    struct EvaluationParams {
        uint16 accuracy;
        uint16 precision;
        uint16 recall;
        uint16 specificity;
        uint16 f1;
        uint16 auc;
        uint32 positives;
        uint32 negatives;
        bytes32 fingerprint;
        uint32 codeVersion;
        uint8 cardVersion;
    }

    /// @notice A recorded evaluation as stored (one slot): the figures, for which institution,
    /// when (unix seconds), with which versions, and whether it is the publisher's own institution
    /// (`institutionId` 0: no record). The evaluating account and the set's fingerprint are in
    /// {EvaluationSubmitted} (indexed by model, institution and account), not in storage: the gas
    /// target of a first submission allows one fresh slot.
    struct EvaluationRecord {
        uint16 accuracy;
        uint16 precision;
        uint16 recall;
        uint16 specificity;
        uint16 f1;
        uint16 auc;
        uint32 positives;
        uint32 negatives;
        uint64 evaluatedAt;
        uint32 codeVersion;
        uint8 cardVersion;
        bool publisherSite;
        uint256 institutionId;
    }

    /// @notice A kept model's ranking score. `f1` / `accuracy`: the key it ranks by (the worst
    /// independent measurement when `verified`, else the publisher's claim). `independentEvaluations`:
    /// institutions other than the publisher's that evaluated it; `quorum`: how many it needs to be
    /// verified; `worstInstitutionId`: the institution of the worst measurement (0 when none).
    struct Score {
        uint16 f1;
        uint16 accuracy;
        bool verified;
        uint256 independentEvaluations;
        uint256 quorum;
        uint256 worstInstitutionId;
    }

    /// @notice An institution recorded (`replaced`: or replaced) its evaluation of a model.
    event EvaluationSubmitted(
        uint256 indexed modelId,
        uint256 indexed institutionId,
        address indexed evaluator,
        EvaluationParams evaluation,
        bool publisherSite,
        bool replaced
    );

    /// @notice A model's score is now (`f1`, `accuracy`, `verified`, `independentEvaluations`) and
    /// it moved to place `rank` of the top ten (0 = best; 255 = not ranked). To rebuild the top ten,
    /// remove the model from its place and insert it at `rank`, in event order.
    event ModelScored(
        uint256 indexed modelId, uint16 f1, uint16 accuracy, bool verified, uint16 independentEvaluations, uint8 rank
    );

    /// @notice Governance changed how many independent evaluations verify a model.
    event EvaluationQuorumChanged(uint256 previousQuorum, uint256 quorum);

    /// @notice The caller is neither a member institution nor staff of one.
    error RegistryEvaluatorWithoutInstitution(address account);
    /// @notice An evaluation needs images of both classes.
    error RegistryEvaluationClassEmpty(uint32 positives, uint32 negatives);
    /// @notice Accuracy disagrees with sensitivity, specificity and the class counts (beyond rounding).
    error RegistryEvaluationAccuracyInconsistent(uint16 accuracy, uint16 recall, uint16 specificity);
    /// @notice F1 disagrees with precision and sensitivity (beyond rounding).
    error RegistryEvaluationF1Inconsistent(uint16 f1, uint16 precision, uint16 recall);
    /// @notice The evaluation set's fingerprint is zero.
    error RegistryInvalidFingerprint();
    /// @notice The quorum must be between 1 and `max`.
    error RegistryInvalidQuorum(uint256 quorum, uint256 max);

    /// @notice Records (or replaces) the caller's institution's evaluation of a kept model and
    /// re-ranks it. Caller: a member institution or staff of one. Not while paused.
    /// Emits {EvaluationSubmitted} and {ModelScored}; {ModelEvicted} when the move pushes a model
    /// out of the kept set (the evaluated model itself when it falls below an unranked latest).
    /// Errors: RegistryPaused, RegistryModelNotActive, RegistryEvaluatorWithoutInstitution,
    /// RegistryMetricOutOfRange, RegistryEvaluationClassEmpty, RegistryEvaluationAccuracyInconsistent, RegistryEvaluationF1Inconsistent,
    /// RegistryInvalidFingerprint.
    function submitEvaluation(uint256 modelId, EvaluationParams calldata evaluation) external;

    /// @notice Sets the number of independent evaluations that verify a model (governance) and
    /// re-sorts the kept models. Errors: RegistryInvalidQuorum.
    function setEvaluationQuorum(uint256 quorum) external;

    /// @notice Independent evaluations a model needs before its measured score counts (default 1).
    function evaluationQuorum() external view returns (uint256);

    /// @notice `institutionId`'s current evaluation of `modelId` (`evaluatedAt` 0 when there is
    /// none). Records of evicted models stay readable; earlier versions are in the events.
    function evaluationOf(uint256 modelId, uint256 institutionId) external view returns (EvaluationRecord memory);

    /// @notice A kept model's ranking score. Errors: RegistryModelNotActive.
    function scoreOf(uint256 modelId) external view returns (Score memory);
}
