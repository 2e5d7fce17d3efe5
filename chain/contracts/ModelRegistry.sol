// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IMembership} from "./interfaces/IMembership.sol";
import {IMembershipObserver} from "./interfaces/IMembershipObserver.sol";
import {IModelEvaluations} from "./interfaces/IModelEvaluations.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {ActiveSeats, ActiveSeatsLibrary} from "./types/ActiveSeats.sol";
import {Ranking, RankingLibrary} from "./types/Ranking.sol";
import {Standing, StandingLibrary} from "./types/Standing.sol";

/// @title ModelRegistry
/// @notice See {IModelRegistry}. UUPS proxy; the governance timelock holds DEFAULT_ADMIN_ROLE.
///
/// Storage is packed for gas (targets: recordDownload, and a publish that displaces a model from a
/// full top ten):
/// - kept models live in 11 fixed "seats" (10 ranked + a latest that did not rank); a published
///   model reuses the seat of the model it evicts, so its record overwrites storage instead of
///   allocating five fresh slots;
/// - `activeSeats` holds the model id of every seat (11 x 22 bits) and the pause flag, so a
///   download checks "not paused" and "model is kept" with one storage read;
/// - `ranking` holds the top ten as seat numbers (10 x 4 bits), their count, the latest seat,
///   the next model id and the evaluation quorum;
/// - `standings` (v3) holds per seat what the model ranks by: its claim, the worst independent
///   measurement and how many institutions measured it, so re-ranking reads one slot per model.
/// The packed words are typed ({ActiveSeats}, {Ranking}, {Standing}; `contracts/types/`) and read
/// through their libraries; storage keeps `uint256` fields so the layout is unchanged.
/// Pausing is implemented here (not OpenZeppelin's Pausable) only so that the flag shares that slot.
contract ModelRegistry is Initializable, AccessControlUpgradeable, UUPSUpgradeable, IModelRegistry {
    /// @notice May publish models (granted by governance).
    bytes32 public constant PUBLISHER_ROLE = keccak256("PUBLISHER_ROLE");
    /// @notice May query the audit history off chain (the indexer checks it); downloads nothing.
    bytes32 public constant AUDITOR_ROLE = keccak256("AUDITOR_ROLE");
    /// @notice May pause (not unpause) at once, without waiting for a vote and the timelock delay.
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");

    /// @dev Number of ranked models kept.
    uint256 internal constant TOP_SIZE = 10;
    /// @dev `rank` in {ModelPublished} of a model that did not enter the top ten.
    uint8 internal constant NOT_RANKED = type(uint8).max;
    /// @notice Largest model id (ids are packed in 22 bits).
    uint256 public constant MAX_MODEL_ID = ActiveSeatsLibrary.MAX_MODEL_ID;
    /// @dev Basis points: metrics are at most this.
    uint16 internal constant BPS = 10_000;
    /// @notice Longest patient grant: a grant further ahead is a mistake (e.g. `--days 1e9`), not a need.
    uint64 public constant MAX_GRANT_DURATION = 3650 days;
    /// @dev Longest revocation reason, in bytes (it is emitted, and every indexer stores it).
    uint256 internal constant MAX_REASON_BYTES = 1024;
    /// @dev Multicodec of a CID of raw bytes (a file that fits one block).
    uint32 internal constant CODEC_RAW = 0x55;
    /// @dev Multicodec of a UnixFS (dag-pb) CID (a file of several blocks).
    uint32 internal constant CODEC_DAG_PB = 0x70;

    uint256 private constant _NO_SEAT = ActiveSeatsLibrary.NO_SEAT;

    /// @dev One kept model in five slots.
    struct Seat {
        bytes32 contentDigest;
        bytes32 keyringDigest;
        bytes32 sha256;
        address publisher;
        uint32 institutionId;
        uint40 publishedAt;
        uint24 parentId;
        uint16 accuracy;
        uint16 precision;
        uint16 recall;
        uint16 f1;
        uint16 auc;
        uint32 testSetSize;
        uint32 contentCodec;
        uint32 keyringCodec;
        uint32 keyringVersion;
    }

    /// @dev What the v2 upgrade added per seat. It lives beside `seats` because a Seat inside a
    /// fixed array cannot grow without moving every later slot.
    struct SeatBinding {
        bytes32 cardHash;
        bytes32 previousKeyringDigest;
        uint32 previousKeyringCodec;
        uint32 contentVersion;
    }

    struct Account {
        AccountKind kind;
        uint32 institutionId;
    }

    struct StoredGrant {
        uint40 expiresAt;
        uint32 institutionId;
    }

    /// @dev One institution's evaluation of one model, in one slot (the gas target allows one
    /// fresh slot; the evaluating account and the set's fingerprint are in {EvaluationSubmitted}):
    /// accuracy, precision, recall, specificity, f1, auc (16 bits each from bit 0), positives
    /// (96-127), negatives (128-159), evaluatedAt (160-199), codeVersion (200-231), cardVersion
    /// (232-239), publisherSite (240). positives > 0 marks a record as present.
    struct StoredEvaluation {
        uint256 measures;
    }

    /// @custom:storage-location erc7201:neuroledger.storage.ModelRegistry
    struct RegistryStorage {
        uint256 activeSeats;
        uint256 ranking;
        Seat[11] seats;
        address membership;
        bytes32 taskId;
        // Retired in v3 (the v1/v2 sha256 set; `modelIdByWeights` replaced it): never read or written.
        // It keeps its name because OpenZeppelin's layout check refuses a renamed namespaced member.
        mapping(bytes32 sha256 => bool) published;
        mapping(address account => Account) accounts;
        mapping(uint256 institutionId => address) institutionAccounts;
        mapping(address account => bytes32) encryptionKeys;
        mapping(address patient => mapping(uint256 modelId => StoredGrant)) grants;
        // ---- appended by the v2 upgrade (card binding, keyring fallback, content-key rotation)
        SeatBinding[11] bindings;
        // ---- appended by the v3 upgrade (members' evaluations, ranking by measured score)
        uint256[11] standings;
        mapping(uint256 modelId => mapping(uint256 institutionId => StoredEvaluation)) evaluations;
        mapping(bytes32 weightsHash => uint256 modelId) modelIdByWeights;
        // ---- appended after v3: the number of DEFAULT_ADMIN_ROLE holders plus one; 0 = not
        // counted (a proxy initialised by an implementation before this field).
        uint256 adminsPlusOne;
    }

    // keccak256(abi.encode(uint256(keccak256("neuroledger.storage.ModelRegistry")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant _STORAGE_SLOT = 0x564e01f72fb2c50a7c82bfe822f9b2ed27ecaedf85f12425943292aa85e22e00;

    /// @dev The two-class task whose evaluations are checked for coherence (see `_checkEvaluation`).
    bytes32 private constant _BINARY_TASK_ID = keccak256("brain-tumor-mri/binary");

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Sets the admin (the timelock, or the deployer until it hands over), the membership
    /// contract to follow, and the task every model must be for.
    /// @param initialPublishers Accounts granted PUBLISHER_ROLE at deployment (founding publishers).
    /// Version 3 of the initializer: a fresh registry needs neither {initializeV3} nor
    /// {initializeAdminCount}, and counts its admins from here.
    function initialize(address admin, address membershipContract, bytes32 task, address[] calldata initialPublishers)
        external
        reinitializer(3)
    {
        if (admin == address(0) || membershipContract == address(0)) revert RegistryZeroAddress();
        __AccessControl_init();
        RegistryStorage storage $ = _storage();
        $.adminsPlusOne = 1; // counting starts here; _grantRole adds the first admin
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        for (uint256 i; i < initialPublishers.length; ++i) {
            _grantRole(PUBLISHER_ROLE, initialPublishers[i]);
        }
        $.membership = membershipContract;
        $.taskId = task;
        $.ranking = Ranking.unwrap(RankingLibrary.initial());
    }

    /// @notice Run once by the governed upgrade from v1 or v2 (`upgradeToAndCall`): gives each kept
    /// model its standing (its claim, no evaluations yet) and ranks a latest left unranked by an
    /// earlier revocation, so the top ten is complete. Caller: governance (DEFAULT_ADMIN_ROLE).
    function initializeV3() external reinitializer(3) onlyRole(DEFAULT_ADMIN_ROLE) {
        RegistryStorage storage $ = _storage();
        ActiveSeats active = ActiveSeats.wrap($.activeSeats);
        for (uint256 seat; seat < ActiveSeatsLibrary.SEATS; ++seat) {
            if (active.idAt(seat) == 0) continue;
            Seat storage kept = $.seats[seat];
            $.standings[seat] = Standing.unwrap(StandingLibrary.atPublish(kept.f1, kept.accuracy, kept.institutionId));
        }
        Ranking ranking = Ranking.wrap($.ranking);
        uint256 latest = ranking.latest();
        if (latest != _NO_SEAT && ranking.count() < TOP_SIZE && ranking.placeOf(latest) == TOP_SIZE) {
            _promoteLatest($, active, ranking, latest);
        }
    }

    /// @notice Run once by the governed upgrade of a registry initialised before admins were counted
    /// (`upgradeToAndCall`; for a v1 or v2 registry only after {initializeV3}, which must come in
    /// the same upgrade: until it runs, anyone could call {initialize}): starts {adminCount} at
    /// one, the caller. By this call governance states that it is the registry's only admin; no
    /// contract can list a role's holders, so the proposal must show the registry's RoleGranted and
    /// RoleRevoked history of DEFAULT_ADMIN_ROLE. On a registry that already counts (one this
    /// implementation initialised, or a second call) it changes nothing. Caller: DEFAULT_ADMIN_ROLE.
    function initializeAdminCount() external onlyRole(DEFAULT_ADMIN_ROLE) {
        RegistryStorage storage $ = _storage();
        if ($.adminsPlusOne == 0) $.adminsPlusOne = 2;
    }

    // ------------------------------------------------------------------ models

    /// @inheritdoc IModelRegistry
    function publish(PublishParams calldata params) external onlyRole(PUBLISHER_ROLE) returns (uint256 modelId) {
        RegistryStorage storage $ = _storage();
        ActiveSeats active = ActiveSeats.wrap($.activeSeats);
        if (active.paused()) revert RegistryPaused();
        (bool hasInstitution, uint256 institutionId,) = _institutionOf($, msg.sender);
        if (!hasInstitution) revert RegistryPublisherWithoutInstitution(msg.sender);
        _validate($, params);

        uint256 rank;
        uint256 evictedId;
        uint256 freedId;
        (modelId, rank, evictedId, freedId) = _store($, active, params, institutionId);
        // Never cleared (eviction, revocation): the same weights cannot come back with a clean slate.
        $.modelIdByWeights[params.weightsHash] = modelId;
        _emitPublished(modelId, institutionId, params, rank);
        emit ModelCardBound(modelId, params.cardHash);
        if (evictedId != 0) emit ModelEvicted(evictedId);
        if (freedId != 0) emit ModelEvicted(freedId);
    }

    /// @inheritdoc IModelRegistry
    function revoke(uint256 modelId, string calldata reason) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (bytes(reason).length > MAX_REASON_BYTES) {
            revert RegistryReasonTooLong(bytes(reason).length, MAX_REASON_BYTES);
        }
        RegistryStorage storage $ = _storage();
        ActiveSeats active = ActiveSeats.wrap($.activeSeats);
        uint256 seat = active.find(modelId);
        if (seat == _NO_SEAT) revert RegistryModelNotActive(modelId);
        Ranking ranking = Ranking.wrap($.ranking);
        uint256 pos = ranking.placeOf(seat);
        if (pos < TOP_SIZE) ranking = ranking.withRemoved(pos);
        uint256 latest = ranking.latest();
        if (latest == seat) ranking = ranking.withLatest(_NO_SEAT);
        active = _clearSeat($, active, seat);
        $.activeSeats = ActiveSeats.unwrap(active);
        emit ModelRevoked(modelId, msg.sender, reason);
        // A latest that did not rank moves into the freed place, so the top ten stays complete.
        if (pos < TOP_SIZE && latest != seat && latest != _NO_SEAT && ranking.placeOf(latest) == TOP_SIZE) {
            _promoteLatest($, active, ranking, latest);
        } else {
            $.ranking = Ranking.unwrap(ranking);
        }
    }

    /// @inheritdoc IModelRegistry
    function recordDownload(uint256 modelId) external {
        RegistryStorage storage $ = _storage();
        ActiveSeats active = ActiveSeats.wrap($.activeSeats);
        if (active.paused()) revert RegistryPaused();
        if (active.find(modelId) == _NO_SEAT) revert RegistryModelNotActive(modelId);
        (bool allowed, uint256 institutionId, DownloadKind kind) = _downloadAuthorization($, msg.sender, modelId);
        if (!allowed) revert RegistryDownloadNotAuthorized(msg.sender, modelId);
        emit ModelDownloaded(modelId, msg.sender, institutionId, kind);
    }

    /// @inheritdoc IModelRegistry
    function updateKeyring(uint256 modelId, Cid calldata keyring) external {
        RegistryStorage storage $ = _storage();
        uint256 seatIndex = _keeperSeat($, modelId);
        _checkCid(keyring);
        Seat storage seat = $.seats[seatIndex];
        if (seat.keyringDigest == keyring.digest && seat.keyringCodec == keyring.codec) {
            revert RegistryKeyringUnchanged(modelId);
        }
        // Keep the replaced keyring: if the new one cannot be fetched, readers fall back to it.
        SeatBinding storage binding = $.bindings[seatIndex];
        binding.previousKeyringDigest = seat.keyringDigest;
        binding.previousKeyringCodec = seat.keyringCodec;
        uint32 newVersion = seat.keyringVersion + 1;
        seat.keyringDigest = keyring.digest;
        seat.keyringCodec = keyring.codec;
        seat.keyringVersion = newVersion;
        emit KeyringUpdated(modelId, msg.sender, keyring, newVersion);
    }

    /// @inheritdoc IModelRegistry
    function rotateContentKey(uint256 modelId, Cid calldata content, Cid calldata keyring) external {
        RegistryStorage storage $ = _storage();
        uint256 seatIndex = _keeperSeat($, modelId);
        _checkCid(content);
        _checkCid(keyring);
        Seat storage seat = $.seats[seatIndex];
        if (seat.contentDigest == content.digest && seat.contentCodec == content.codec) {
            revert RegistryContentUnchanged(modelId);
        }
        if (seat.keyringDigest == keyring.digest && seat.keyringCodec == keyring.codec) {
            revert RegistryKeyringUnchanged(modelId);
        }
        SeatBinding storage binding = $.bindings[seatIndex];
        // The previous keyring wraps the old content key: no fallback across a rotation.
        binding.previousKeyringDigest = bytes32(0);
        binding.previousKeyringCodec = 0;
        uint32 contentVersion = _contentVersion(binding) + 1;
        binding.contentVersion = contentVersion;
        uint32 keyringVersion = seat.keyringVersion + 1;
        seat.contentDigest = content.digest;
        seat.contentCodec = content.codec;
        seat.keyringDigest = keyring.digest;
        seat.keyringCodec = keyring.codec;
        seat.keyringVersion = keyringVersion;
        emit ContentKeyRotated(modelId, msg.sender, content, keyring, contentVersion, keyringVersion);
    }

    // ------------------------------------------------------------------ evaluations

    /// @inheritdoc IModelEvaluations
    function submitEvaluation(uint256 modelId, EvaluationParams calldata evaluation) external {
        RegistryStorage storage $ = _storage();
        ActiveSeats active = ActiveSeats.wrap($.activeSeats);
        if (active.paused()) revert RegistryPaused();
        uint256 seat = active.find(modelId);
        if (seat == _NO_SEAT) revert RegistryModelNotActive(modelId);
        (bool hasInstitution, uint256 institutionId,) = _institutionOf($, msg.sender);
        if (!hasInstitution) revert RegistryEvaluatorWithoutInstitution(msg.sender);
        _checkEvaluation(evaluation, $.taskId == _BINARY_TASK_ID);
        Standing standing = Standing.wrap($.standings[seat]);
        bool publisherSite = institutionId == standing.publisherInstitution();
        bool replaced = _writeEvaluation($.evaluations[modelId][institutionId], evaluation, publisherSite);
        emit EvaluationSubmitted(modelId, institutionId, msg.sender, evaluation, publisherSite, replaced);
        if (!replaced) standing = standing.withNewEvaluator(institutionId, !publisherSite);
        if (!publisherSite) {
            uint256 key = StandingLibrary.key(evaluation.f1, evaluation.accuracy);
            standing = _withMeasurement($, modelId, standing, institutionId, key);
        }
        $.standings[seat] = Standing.unwrap(standing);
        _rerank($, active, seat, modelId, standing);
    }

    /// @inheritdoc IModelEvaluations
    function setEvaluationQuorum(uint256 quorum) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (quorum == 0 || quorum > RankingLibrary.MAX_QUORUM) {
            revert RegistryInvalidQuorum(quorum, RankingLibrary.MAX_QUORUM);
        }
        RegistryStorage storage $ = _storage();
        Ranking ranking = Ranking.wrap($.ranking);
        emit EvaluationQuorumChanged(ranking.quorum(), quorum);
        _resort($, ranking.withQuorum(quorum));
    }


    // ------------------------------------------------------------------ accounts

    /// @inheritdoc IModelRegistry
    function addStaff(address account) external {
        RegistryStorage storage $ = _storage();
        _requireNotPaused($);
        uint256 institutionId = _requireMemberCaller($);
        if (account == address(0)) revert RegistryZeroAddress();
        Account memory current = $.accounts[account];
        bool liveStaff =
            current.kind == AccountKind.Staff && $.institutionAccounts[current.institutionId] != address(0);
        if (current.kind == AccountKind.Member || liveStaff) {
            revert RegistryAccountAlreadyRegistered(account, current.kind);
        }
        $.accounts[account] = Account({kind: AccountKind.Staff, institutionId: uint32(institutionId)});
        emit StaffAdded(account, institutionId, msg.sender);
    }

    /// @inheritdoc IModelRegistry
    function removeStaff(address account) external {
        RegistryStorage storage $ = _storage();
        uint256 institutionId = _requireMemberCaller($);
        Account memory current = $.accounts[account];
        if (current.kind != AccountKind.Staff || current.institutionId != institutionId) {
            revert RegistryNotStaffOfInstitution(account, institutionId);
        }
        delete $.accounts[account];
        emit StaffRemoved(account, institutionId, msg.sender);
    }

    /// @inheritdoc IModelRegistry
    function setEncryptionKey(bytes32 publicKey) external {
        RegistryStorage storage $ = _storage();
        _requireNotPaused($);
        if (publicKey == bytes32(0)) revert RegistryInvalidEncryptionKey();
        (bool hasInstitution,, AccountKind kind) = _institutionOf($, msg.sender);
        if (!hasInstitution && kind != AccountKind.Patient && !hasRole(PUBLISHER_ROLE, msg.sender)) {
            revert RegistryNotAuthorizedAccount(msg.sender);
        }
        bytes32 previous = $.encryptionKeys[msg.sender];
        $.encryptionKeys[msg.sender] = publicKey;
        emit EncryptionKeySet(msg.sender, previous, publicKey);
    }

    /// @inheritdoc IModelRegistry
    function grantPatientAccess(address patient, uint256 modelId, uint64 expiresAt) external {
        RegistryStorage storage $ = _storage();
        _requireNotPaused($);
        uint256 institutionId = _requireMemberCaller($);
        if (patient == address(0)) revert RegistryZeroAddress();
        if (ActiveSeats.wrap($.activeSeats).find(modelId) == _NO_SEAT) revert RegistryModelNotActive(modelId);
        if (expiresAt <= block.timestamp) revert RegistryGrantExpiryInPast(expiresAt, uint64(block.timestamp));
        uint64 maxExpiresAt = uint64(block.timestamp) + MAX_GRANT_DURATION;
        if (expiresAt > maxExpiresAt) revert RegistryGrantExpiryTooFar(expiresAt, maxExpiresAt);
        // Fits: maxExpiresAt is far below 2^40 seconds (year 36812).
        $.grants[patient][modelId] = StoredGrant({expiresAt: uint40(expiresAt), institutionId: uint32(institutionId)});
        if ($.accounts[patient].kind == AccountKind.None) {
            $.accounts[patient] = Account({kind: AccountKind.Patient, institutionId: 0});
        }
        emit PatientAccessGranted(patient, modelId, institutionId, expiresAt);
    }

    /// @inheritdoc IModelRegistry
    function revokePatientAccess(address patient, uint256 modelId) external {
        RegistryStorage storage $ = _storage();
        uint256 institutionId = _requireMemberCaller($);
        StoredGrant memory grant = $.grants[patient][modelId];
        if (grant.expiresAt == 0 || grant.institutionId != institutionId) {
            revert RegistryNoGrant(patient, modelId, institutionId);
        }
        delete $.grants[patient][modelId];
        emit PatientAccessRevoked(patient, modelId, institutionId);
    }

    /// @inheritdoc IMembershipObserver
    /// @dev Accepted from the membership contract or from the observer it names (the TaskDirectory,
    /// which relays every admission and removal to each task's registry): governance chooses the
    /// observer, so no other caller can forge a membership.
    function onMembershipChanged(address account, uint256 institutionId, bool isMember) external {
        RegistryStorage storage $ = _storage();
        address source = $.membership;
        if (msg.sender != source && msg.sender != IMembership(source).observer()) {
            revert RegistryOnlyMembership(msg.sender);
        }
        if (isMember) {
            $.accounts[account] =
                Account({kind: AccountKind.Member, institutionId: SafeCast.toUint32(institutionId)});
            $.institutionAccounts[institutionId] = account;
        } else {
            delete $.accounts[account];
            delete $.institutionAccounts[institutionId];
        }
        emit MembershipSynced(account, institutionId, isMember);
    }

    // ------------------------------------------------------------------ pause

    /// @inheritdoc IModelRegistry
    function pause() external {
        if (!hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) _checkRole(GUARDIAN_ROLE);
        RegistryStorage storage $ = _storage();
        _requireNotPaused($);
        $.activeSeats = ActiveSeats.unwrap(ActiveSeats.wrap($.activeSeats).withPaused(true));
        emit Paused(msg.sender);
    }

    /// @inheritdoc IModelRegistry
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        RegistryStorage storage $ = _storage();
        ActiveSeats active = ActiveSeats.wrap($.activeSeats);
        if (!active.paused()) revert RegistryNotPaused();
        $.activeSeats = ActiveSeats.unwrap(active.withPaused(false));
        emit Unpaused(msg.sender);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IModelRegistry
    function topTenIds() external view returns (uint256[] memory ids) {
        RegistryStorage storage $ = _storage();
        (ActiveSeats active, Ranking ranking) = (ActiveSeats.wrap($.activeSeats), Ranking.wrap($.ranking));
        uint256 count = ranking.count();
        ids = new uint256[](count);
        for (uint256 pos; pos < count; ++pos) {
            ids[pos] = active.idAt(ranking.seatAt(pos));
        }
    }

    /// @inheritdoc IModelRegistry
    function topTen() external view returns (Model[] memory models) {
        RegistryStorage storage $ = _storage();
        (ActiveSeats active, Ranking ranking) = (ActiveSeats.wrap($.activeSeats), Ranking.wrap($.ranking));
        uint256 count = ranking.count();
        models = new Model[](count);
        for (uint256 pos; pos < count; ++pos) {
            uint256 seat = ranking.seatAt(pos);
            models[pos] = _model($, seat, active.idAt(seat));
        }
    }

    /// @inheritdoc IModelRegistry
    function latestModelId() public view returns (uint256) {
        RegistryStorage storage $ = _storage();
        uint256 seat = Ranking.wrap($.ranking).latest();
        return seat == _NO_SEAT ? 0 : ActiveSeats.wrap($.activeSeats).idAt(seat);
    }

    /// @inheritdoc IModelRegistry
    function latestModel() external view returns (Model memory model) {
        RegistryStorage storage $ = _storage();
        uint256 seat = Ranking.wrap($.ranking).latest();
        if (seat != _NO_SEAT) model = _model($, seat, ActiveSeats.wrap($.activeSeats).idAt(seat));
    }

    /// @inheritdoc IModelRegistry
    function getModel(uint256 modelId) external view returns (Model memory) {
        RegistryStorage storage $ = _storage();
        return _model($, _keptSeat($, modelId), modelId);
    }

    /// @inheritdoc IModelRegistry
    function isActive(uint256 modelId) external view returns (bool) {
        return ActiveSeats.wrap(_storage().activeSeats).find(modelId) != _NO_SEAT;
    }

    /// @inheritdoc IModelRegistry
    function nextModelId() external view returns (uint256) {
        return Ranking.wrap(_storage().ranking).nextId();
    }

    /// @inheritdoc IModelRegistry
    function modelIdByWeights(bytes32 weightsHash) external view returns (uint256) {
        return _storage().modelIdByWeights[weightsHash];
    }

    /// @inheritdoc IModelRegistry
    function rolesOf(address account) external view returns (AccountRoles memory roles) {
        RegistryStorage storage $ = _storage();
        Account memory stored = $.accounts[account];
        (bool hasInstitution,,) = _institutionOf($, account);
        roles.kind = stored.kind;
        roles.institutionId = stored.institutionId;
        roles.institutionActive = hasInstitution;
        roles.publisher = hasRole(PUBLISHER_ROLE, account);
        roles.auditor = hasRole(AUDITOR_ROLE, account);
        roles.guardian = hasRole(GUARDIAN_ROLE, account);
        roles.admin = hasRole(DEFAULT_ADMIN_ROLE, account);
        roles.encryptionKey = $.encryptionKeys[account];
    }

    /// @inheritdoc IModelRegistry
    function encryptionKeyOf(address account) external view returns (bytes32) {
        return _storage().encryptionKeys[account];
    }

    /// @inheritdoc IModelRegistry
    function patientGrant(address patient, uint256 modelId) external view returns (Grant memory) {
        StoredGrant memory grant = _storage().grants[patient][modelId];
        return Grant({expiresAt: grant.expiresAt, institutionId: grant.institutionId});
    }

    /// @inheritdoc IModelRegistry
    function canDownload(address account, uint256 modelId) external view returns (bool) {
        RegistryStorage storage $ = _storage();
        ActiveSeats active = ActiveSeats.wrap($.activeSeats);
        if (active.paused() || active.find(modelId) == _NO_SEAT) return false;
        (bool allowed,,) = _downloadAuthorization($, account, modelId);
        return allowed;
    }

    /// @inheritdoc IModelRegistry
    function paused() external view returns (bool) {
        return ActiveSeats.wrap(_storage().activeSeats).paused();
    }

    /// @inheritdoc IModelRegistry
    function taskId() external view returns (bytes32) {
        return _storage().taskId;
    }

    /// @inheritdoc IModelRegistry
    function membership() external view returns (address) {
        return _storage().membership;
    }

    /// @notice How many accounts hold DEFAULT_ADMIN_ROLE, so that a reader (the TaskDirectory) can
    /// tell that governance is the ONLY admin, which `hasRole` alone cannot say.
    /// @dev Counted from {initialize}. A proxy upgraded from an implementation that did not count
    /// answers type(uint256).max (unknown), so a check of "exactly one" fails closed. Not in
    /// IModelRegistry: the kept v3 snapshot (contracts/test/legacy) implements that interface.
    function adminCount() external view returns (uint256) {
        unchecked {
            return _storage().adminsPlusOne - 1; // 0 (not counted) wraps to type(uint256).max
        }
    }

    /// @inheritdoc IModelRegistry
    function cardHashOf(uint256 modelId) external view returns (bytes32) {
        RegistryStorage storage $ = _storage();
        return $.bindings[_keptSeat($, modelId)].cardHash;
    }

    /// @notice Implementation version (changes with each upgrade). "2": card binding, keepers of
    /// the model's institution, previous keyring, content-key rotation, input bounds. "3": members'
    /// evaluations, the ranking by measured score, and weights published once.
    function version() external pure virtual returns (string memory) {
        return "3";
    }

    /// @inheritdoc IModelEvaluations
    function evaluationQuorum() external view returns (uint256) {
        return Ranking.wrap(_storage().ranking).quorum();
    }

    /// @inheritdoc IModelEvaluations
    function evaluationOf(uint256 modelId, uint256 institutionId) external view returns (EvaluationRecord memory) {
        return _evaluation(_storage().evaluations[modelId][institutionId], institutionId);
    }

    /// @inheritdoc IModelEvaluations
    function scoreOf(uint256 modelId) external view returns (Score memory) {
        RegistryStorage storage $ = _storage();
        Standing standing = Standing.wrap($.standings[_keptSeat($, modelId)]);
        uint256 quorum = Ranking.wrap($.ranking).quorum();
        uint256 key = standing.score(quorum);
        return Score({
            f1: uint16(key >> 16),
            accuracy: uint16(key),
            verified: standing.verified(quorum),
            independentEvaluations: standing.independentCount(),
            quorum: quorum,
            worstInstitutionId: standing.worstBy()
        });
    }


    // ------------------------------------------------------------------ internals

    /// @dev Only the timelock (DEFAULT_ADMIN_ROLE) upgrades.
    function _authorizeUpgrade(address) internal override onlyRole(DEFAULT_ADMIN_ROLE) {}

    /// @dev Keeps {adminCount}: every grant and revocation of DEFAULT_ADMIN_ROLE goes through these two.
    function _grantRole(bytes32 role, address account) internal override returns (bool granted) {
        granted = super._grantRole(role, account);
        if (granted && role == DEFAULT_ADMIN_ROLE) _countAdmin(1);
    }

    function _revokeRole(bytes32 role, address account) internal override returns (bool revoked) {
        revoked = super._revokeRole(role, account);
        if (revoked && role == DEFAULT_ADMIN_ROLE) _countAdmin(type(uint256).max);
    }

    /// @dev Adds `delta` (1, or -1 as its two's complement) to the count; a registry that is not
    /// counted (0) stays unknown.
    function _countAdmin(uint256 delta) private {
        RegistryStorage storage $ = _storage();
        uint256 count = $.adminsPlusOne;
        unchecked {
            if (count != 0) $.adminsPlusOne = count + delta;
        }
    }

    function _validate(RegistryStorage storage $, PublishParams calldata params) private view {
        _checkCid(params.content);
        _checkCid(params.keyring);
        if (params.sha256 == bytes32(0)) revert RegistryInvalidSha();
        if (params.cardHash == bytes32(0)) revert RegistryInvalidCardHash();
        if (params.weightsHash == bytes32(0)) revert RegistryInvalidWeightsHash();
        uint256 earlier = $.modelIdByWeights[params.weightsHash];
        if (earlier != 0) revert RegistryWeightsAlreadyPublished(params.weightsHash, earlier);
        Metrics calldata m = params.metrics;
        _checkBps(m.accuracy);
        _checkBps(m.precision);
        _checkBps(m.recall);
        _checkBps(m.f1);
        _checkBps(m.auc);
        if (m.testSetSize == 0) revert RegistryEmptyTestSet();
        if (params.taskId != $.taskId) revert RegistryTaskMismatch($.taskId, params.taskId);
        uint256 nextId = Ranking.wrap($.ranking).nextId();
        if (params.parentId >= nextId) revert RegistryUnknownParent(params.parentId);
    }

    /// @dev Only what the product writes: UnixFS files, whose root is raw (one block) or dag-pb.
    function _checkCid(Cid calldata cid) private pure {
        if (cid.digest == bytes32(0) || cid.codec == 0) revert RegistryInvalidCid(cid.digest, cid.codec);
        if (cid.codec != CODEC_RAW && cid.codec != CODEC_DAG_PB) revert RegistryUnsupportedCidCodec(cid.codec);
    }

    /// @dev A kept model whose keyring or content the caller may replace: an account (member or
    /// staff) of the model's institution while it is a member, else of any member institution (an
    /// orphaned model must stay maintainable). The publishing institution already holds the content
    /// key and chose the card, so this gives it nothing new; other institutions cannot touch it.
    function _keeperSeat(RegistryStorage storage $, uint256 modelId) private view returns (uint256 seatIndex) {
        ActiveSeats active = ActiveSeats.wrap($.activeSeats);
        if (active.paused()) revert RegistryPaused();
        seatIndex = active.find(modelId);
        if (seatIndex == _NO_SEAT) revert RegistryModelNotActive(modelId);
        (bool hasInstitution, uint256 institutionId,) = _institutionOf($, msg.sender);
        if (hasInstitution) {
            uint256 owner = $.seats[seatIndex].institutionId;
            if (institutionId == owner || $.institutionAccounts[owner] == address(0)) return seatIndex;
        }
        revert RegistryNotKeyringUpdater(msg.sender, modelId);
    }

    /// @dev 0 means the first content: what publish stores, and what pre-v2 models hold.
    function _contentVersion(SeatBinding storage binding) private view returns (uint32 version_) {
        version_ = binding.contentVersion;
        if (version_ == 0) version_ = 1;
    }

    function _checkBps(uint16 value) private pure {
        if (value > BPS) revert RegistryMetricOutOfRange(value);
    }

    /// @dev Binary search for a model's place among the ranked ones: before the first it beats
    /// (see {_beats}). `ranking` must not hold the model itself.
    function _placeFor(RegistryStorage storage $, ActiveSeats active, Ranking ranking, uint256 key, uint256 modelId)
        private
        view
        returns (uint256 low)
    {
        uint256 quorum = ranking.quorum();
        uint256 high = ranking.count();
        while (low < high) {
            uint256 mid = (low + high) / 2;
            uint256 seat = ranking.seatAt(mid);
            if (_beats(key, modelId, Standing.wrap($.standings[seat]).score(quorum), active.idAt(seat))) high = mid;
            else low = mid + 1;
        }
    }

    /// @dev Higher score first; on equal scores the older (smaller id) model stays ahead.
    function _beats(uint256 key, uint256 modelId, uint256 otherKey, uint256 otherId) private pure returns (bool) {
        return key > otherKey || (key == otherKey && modelId < otherId);
    }

    /// @dev Decides which seat the new model takes and which kept models leave. The new model
    /// becomes the latest, so the previous latest leaves unless it is still ranked, and a full top
    /// ten drops its last model when the new one ranks. The new model reuses a leaving seat
    /// (`evicted`); a second leaving seat is cleared (`freed`).
    function _placeSeats(ActiveSeats active, Ranking ranking, uint256 rank)
        private
        pure
        returns (uint256 seat, uint256 evicted, uint256 freed)
    {
        uint256 previousLatest = ranking.latest();
        evicted = _NO_SEAT;
        freed = _NO_SEAT;
        bool ranks = rank < TOP_SIZE;
        uint256 dropped = ranks && ranking.count() == TOP_SIZE ? ranking.seatAt(TOP_SIZE - 1) : _NO_SEAT;
        if (dropped != _NO_SEAT) evicted = dropped;
        if (previousLatest != _NO_SEAT && previousLatest != dropped && ranking.placeOf(previousLatest) == TOP_SIZE) {
            if (evicted == _NO_SEAT) evicted = previousLatest;
            else freed = previousLatest;
        }
        seat = evicted != _NO_SEAT ? evicted : active.freeSeat();
    }

    /// @dev Takes the next id, places the model in a seat and the ranking, frees leaving seats.
    function _store(RegistryStorage storage $, ActiveSeats active, PublishParams calldata params, uint256 institutionId)
        private
        returns (uint256 modelId, uint256 rank, uint256 evictedId, uint256 freedId)
    {
        Ranking ranking = Ranking.wrap($.ranking);
        modelId = ranking.nextId();
        if (modelId > MAX_MODEL_ID) revert RegistryModelIdsExhausted();
        Metrics calldata m = params.metrics;
        rank = _placeFor($, active, ranking, StandingLibrary.key(m.f1, m.accuracy), modelId);
        (uint256 seat, uint256 evictedSeat, uint256 freedSeat) = _placeSeats(active, ranking, rank);
        if (evictedSeat != _NO_SEAT) evictedId = active.idAt(evictedSeat);
        if (freedSeat != _NO_SEAT) {
            freedId = active.idAt(freedSeat);
            active = _clearSeat($, active, freedSeat);
        }
        _writeSeat($, seat, params, institutionId);
        $.standings[seat] = Standing.unwrap(StandingLibrary.atPublish(m.f1, m.accuracy, institutionId));
        $.activeSeats = ActiveSeats.unwrap(active.withIdAt(seat, modelId));
        if (rank < TOP_SIZE) ranking = ranking.withInserted(rank, seat);
        $.ranking = Ranking.unwrap(ranking.withLatest(seat).withNextId(modelId + 1));
    }

    function _emitPublished(uint256 modelId, uint256 institutionId, PublishParams calldata params, uint256 rank)
        private
    {
        emit ModelPublished(
            modelId,
            msg.sender,
            institutionId,
            params.content,
            params.keyring,
            params.sha256,
            params.metrics,
            params.taskId,
            params.parentId,
            rank < TOP_SIZE ? uint8(rank) : NOT_RANKED
        );
    }

    function _writeSeat(RegistryStorage storage $, uint256 seat, PublishParams calldata p, uint256 institutionId)
        private
    {
        Metrics calldata m = p.metrics;
        $.seats[seat] = Seat({
            contentDigest: p.content.digest,
            keyringDigest: p.keyring.digest,
            sha256: p.sha256,
            publisher: msg.sender,
            institutionId: uint32(institutionId),
            publishedAt: uint40(block.timestamp),
            parentId: uint24(p.parentId),
            accuracy: m.accuracy,
            precision: m.precision,
            recall: m.recall,
            f1: m.f1,
            auc: m.auc,
            testSetSize: m.testSetSize,
            contentCodec: p.content.codec,
            keyringCodec: p.keyring.codec,
            keyringVersion: 1
        });
        // contentVersion 0 reads as 1 (see _contentVersion): a fresh seat pays no second new slot.
        $.bindings[seat] =
            SeatBinding({cardHash: p.cardHash, previousKeyringDigest: 0, previousKeyringCodec: 0, contentVersion: 0});
    }

    function _model(RegistryStorage storage $, uint256 seatIndex, uint256 modelId)
        private
        view
        returns (Model memory model)
    {
        Seat storage seat = $.seats[seatIndex];
        model.id = modelId;
        model.content = Cid({digest: seat.contentDigest, codec: seat.contentCodec});
        model.keyring = Cid({digest: seat.keyringDigest, codec: seat.keyringCodec});
        model.keyringVersion = seat.keyringVersion;
        model.sha256 = seat.sha256;
        model.metrics = Metrics({
            accuracy: seat.accuracy,
            precision: seat.precision,
            recall: seat.recall,
            f1: seat.f1,
            auc: seat.auc,
            testSetSize: seat.testSetSize
        });
        model.taskId = $.taskId;
        model.parentId = seat.parentId;
        model.publisher = seat.publisher;
        model.institutionId = seat.institutionId;
        model.publishedAt = seat.publishedAt;
        SeatBinding storage binding = $.bindings[seatIndex];
        model.cardHash = binding.cardHash;
        model.previousKeyring = Cid({digest: binding.previousKeyringDigest, codec: binding.previousKeyringCodec});
        model.contentVersion = _contentVersion(binding);
    }

    /// @dev Member: its own institution. Staff: its institution while that is still a member.
    function _institutionOf(RegistryStorage storage $, address account)
        private
        view
        returns (bool hasInstitution, uint256 institutionId, AccountKind kind)
    {
        Account memory stored = $.accounts[account];
        kind = stored.kind;
        institutionId = stored.institutionId;
        if (kind == AccountKind.Member) hasInstitution = true;
        else if (kind == AccountKind.Staff) hasInstitution = $.institutionAccounts[institutionId] != address(0);
    }

    function _downloadAuthorization(RegistryStorage storage $, address account, uint256 modelId)
        private
        view
        returns (bool allowed, uint256 institutionId, DownloadKind kind)
    {
        AccountKind accountKind;
        (allowed, institutionId, accountKind) = _institutionOf($, account);
        if (allowed) return (true, institutionId, accountKind == AccountKind.Member ? DownloadKind.Member : DownloadKind.Staff);
        StoredGrant memory grant = $.grants[account][modelId];
        allowed = grant.expiresAt > block.timestamp && $.institutionAccounts[grant.institutionId] != address(0);
        return (allowed, allowed ? grant.institutionId : 0, DownloadKind.Patient);
    }

    /// @dev The institution's own (member) account; staff are told so rather than "not a member".
    function _requireMemberCaller(RegistryStorage storage $) private view returns (uint256) {
        Account memory caller = $.accounts[msg.sender];
        if (caller.kind == AccountKind.Member) return caller.institutionId;
        if (caller.kind == AccountKind.Staff) {
            revert RegistryStaffCannotActForInstitution(msg.sender, caller.institutionId);
        }
        revert RegistryNotMemberInstitution(msg.sender);
    }

    function _requireNotPaused(RegistryStorage storage $) private view {
        if (ActiveSeats.wrap($.activeSeats).paused()) revert RegistryPaused();
    }

    // ------------------------------------------------------------------ evaluation internals

    /// @dev Bounds and coherence of a submitted evaluation. For the binary task (`coherent`), whose
    /// figures all come from one 2x2 confusion matrix, accuracy must agree with sensitivity,
    /// specificity and the class counts, and F1 with precision and sensitivity, within what
    /// rounding each figure to a basis point allows. A K-class task's figures are macro averages
    /// over its labels (docs/interfaces.md section 14), which obey neither identity.
    function _checkEvaluation(EvaluationParams calldata e, bool coherent) private pure {
        _checkBps(e.accuracy);
        _checkBps(e.precision);
        _checkBps(e.recall);
        _checkBps(e.specificity);
        _checkBps(e.f1);
        _checkBps(e.auc);
        if (e.positives == 0 || e.negatives == 0) revert RegistryEvaluationClassEmpty(e.positives, e.negatives);
        if (e.fingerprint == bytes32(0)) revert RegistryInvalidFingerprint();
        if (!coherent) return;
        // accuracy * n = recall * positives + specificity * negatives; each rounding is <= 0.5 bp.
        uint256 images = uint256(e.positives) + e.negatives;
        uint256 weighted = uint256(e.recall) * e.positives + uint256(e.specificity) * e.negatives;
        if (_gap(uint256(e.accuracy) * images, weighted) > images) {
            revert RegistryEvaluationAccuracyInconsistent(e.accuracy, e.recall, e.specificity);
        }
        // f1 * (p + r) = 2 p r; F1 moves at most 2 bp per bp of p or r, so 3 bp of slack per unit.
        uint256 sum = uint256(e.precision) + e.recall;
        if (_gap(uint256(e.f1) * sum, 2 * uint256(e.precision) * e.recall) > 3 * sum) {
            revert RegistryEvaluationF1Inconsistent(e.f1, e.precision, e.recall);
        }
    }

    function _gap(uint256 a, uint256 b) private pure returns (uint256) {
        return a > b ? a - b : b - a;
    }

    /// @dev Overwrites an institution's record (one slot); true when one existed.
    function _writeEvaluation(StoredEvaluation storage stored, EvaluationParams calldata e, bool publisherSite)
        private
        returns (bool replaced)
    {
        replaced = _present(stored.measures);
        stored.measures = uint256(e.accuracy) | (uint256(e.precision) << 16) | (uint256(e.recall) << 32)
            | (uint256(e.specificity) << 48) | (uint256(e.f1) << 64) | (uint256(e.auc) << 80)
            | (uint256(e.positives) << 96) | (uint256(e.negatives) << 128) | (block.timestamp << 160)
            | (uint256(e.codeVersion) << 200) | (uint256(e.cardVersion) << 232) | (publisherSite ? 1 << 240 : 0);
    }

    function _present(uint256 measures) private pure returns (bool) {
        return (measures >> 96) & type(uint32).max != 0;
    }

    function _measure(uint256 measures, uint256 field) private pure returns (uint16) {
        return uint16(measures >> (16 * field));
    }

    /// @dev The ranking key (`f1 << 16 | accuracy`) of a record's measures.
    function _measuredKey(uint256 measures) private pure returns (uint256) {
        return (((measures >> 64) & 0xFFFF) << 16) | (measures & 0xFFFF);
    }

    /// @dev The standing after independent institution `by` measured `key`: a new worst site, or,
    /// when the worst site itself measured better, the worst over every independent record again.
    function _withMeasurement(RegistryStorage storage $, uint256 modelId, Standing standing, uint256 by, uint256 key)
        private
        view
        returns (Standing)
    {
        uint256 worstBy = standing.worstBy();
        if (worstBy == 0 || key <= standing.worstKey()) return standing.withWorst(key, by);
        if (worstBy != by) return standing;
        uint256 publisher = standing.publisherInstitution();
        uint256 last = standing.maxEvaluator();
        mapping(uint256 => StoredEvaluation) storage records = $.evaluations[modelId];
        uint256 worst = key;
        for (uint256 id = 1; id <= last; ++id) {
            uint256 measures = records[id].measures;
            if (id == publisher || !_present(measures)) continue;
            uint256 measured = _measuredKey(measures);
            if (measured < worst) (worst, worstBy) = (measured, id);
        }
        return standing.withWorst(worst, worstBy);
    }

    /// @dev Moves an evaluated model to its place by its new score and emits {ModelScored} (and
    /// {ModelEvicted} / a second {ModelScored} when the move swaps it with an unranked latest).
    function _rerank(RegistryStorage storage $, ActiveSeats active, uint256 seat, uint256 modelId, Standing standing)
        private
    {
        Ranking ranking = Ranking.wrap($.ranking);
        uint256 quorum = ranking.quorum();
        uint256 key = standing.score(quorum);
        uint256 pos = ranking.placeOf(seat);
        uint256 rank;
        uint256 evictedId;
        uint256 promoted = _NO_SEAT;
        if (pos < TOP_SIZE) {
            (ranking, rank, promoted) = _moveRanked($, active, ranking.withRemoved(pos), seat, modelId, key);
            if (promoted != _NO_SEAT) evictedId = modelId;
        } else {
            (ranking, rank, evictedId) = _moveUnranked($, active, ranking, seat, modelId, key);
        }
        $.ranking = Ranking.unwrap(ranking);
        _emitScored(modelId, standing, quorum, rank);
        if (evictedId != 0) emit ModelEvicted(evictedId);
        if (promoted != _NO_SEAT) {
            _emitScored(active.idAt(promoted), Standing.wrap($.standings[promoted]), quorum, TOP_SIZE - 1);
        }
    }

    /// @dev A ranked model (already removed from `ranking`) goes to its new place; when it falls
    /// to the last place below an unranked latest, the latest takes that place and the model,
    /// neither ranked nor latest any more, is evicted (`promoted` = the latest's seat).
    function _moveRanked(
        RegistryStorage storage $,
        ActiveSeats active,
        Ranking ranking,
        uint256 seat,
        uint256 modelId,
        uint256 key
    ) private returns (Ranking, uint256 rank, uint256 promoted) {
        rank = _placeFor($, active, ranking, key, modelId);
        promoted = _NO_SEAT;
        uint256 latest = ranking.latest();
        if (rank == TOP_SIZE - 1 && latest != seat && latest != _NO_SEAT && ranking.placeOf(latest) == TOP_SIZE) {
            uint256 latestKey = Standing.wrap($.standings[latest]).score(ranking.quorum());
            if (_beats(latestKey, active.idAt(latest), key, modelId)) {
                $.activeSeats = ActiveSeats.unwrap(_clearSeat($, active, seat));
                return (ranking.withInserted(rank, latest), TOP_SIZE, latest);
            }
        }
        return (ranking.withInserted(rank, seat), rank, promoted);
    }

    /// @dev The unranked latest enters the ranking when there is room or it now beats the last
    /// ranked model, which is then evicted (`evictedId`).
    function _moveUnranked(
        RegistryStorage storage $,
        ActiveSeats active,
        Ranking ranking,
        uint256 seat,
        uint256 modelId,
        uint256 key
    ) private returns (Ranking, uint256 rank, uint256 evictedId) {
        if (ranking.count() == TOP_SIZE) {
            uint256 lastSeat = ranking.seatAt(TOP_SIZE - 1);
            uint256 lastId = active.idAt(lastSeat);
            uint256 lastKey = Standing.wrap($.standings[lastSeat]).score(ranking.quorum());
            if (!_beats(key, modelId, lastKey, lastId)) return (ranking, TOP_SIZE, 0);
            ranking = ranking.withRemoved(TOP_SIZE - 1);
            active = _clearSeat($, active, lastSeat);
            $.activeSeats = ActiveSeats.unwrap(active);
            evictedId = lastId;
        }
        rank = _placeFor($, active, ranking, key, modelId);
        return (ranking.withInserted(rank, seat), rank, evictedId);
    }

    /// @dev Ranks the latest model that is not ranked (after a revocation freed a place).
    function _promoteLatest(RegistryStorage storage $, ActiveSeats active, Ranking ranking, uint256 latest) private {
        uint256 quorum = ranking.quorum();
        Standing standing = Standing.wrap($.standings[latest]);
        uint256 modelId = active.idAt(latest);
        uint256 rank = _placeFor($, active, ranking, standing.score(quorum), modelId);
        $.ranking = Ranking.unwrap(ranking.withInserted(rank, latest));
        _emitScored(modelId, standing, quorum, rank);
    }

    /// @dev Sorts every kept model again (after a quorum change) by inserting each into an empty
    /// ranking: the best ten are ranked; of eleven, the one left out stays only if it is the
    /// latest, else it is evicted.
    function _resort(RegistryStorage storage $, Ranking ranking) private {
        ActiveSeats active = ActiveSeats.wrap($.activeSeats);
        Ranking previous = ranking;
        uint256 kept = previous.count();
        uint256 latest = previous.latest();
        if (latest != _NO_SEAT && previous.placeOf(latest) == TOP_SIZE) ++kept;
        while (ranking.count() != 0) ranking = ranking.withRemoved(0);
        uint256 outside = _NO_SEAT;
        for (uint256 i; i < kept; ++i) {
            uint256 seat = i < previous.count() ? previous.seatAt(i) : latest;
            uint256 key = Standing.wrap($.standings[seat]).score(ranking.quorum());
            uint256 rank = _placeFor($, active, ranking, key, active.idAt(seat));
            if (rank == TOP_SIZE) {
                outside = seat;
                continue;
            }
            if (ranking.count() == TOP_SIZE) outside = ranking.seatAt(TOP_SIZE - 1);
            ranking = ranking.withInserted(rank, seat);
        }
        $.ranking = Ranking.unwrap(ranking);
        for (uint256 pos; pos <= ranking.count(); ++pos) {
            uint256 seat = pos < ranking.count() ? ranking.seatAt(pos) : outside;
            if (seat == _NO_SEAT) break;
            _emitScored(active.idAt(seat), Standing.wrap($.standings[seat]), ranking.quorum(), pos);
        }
        if (outside != _NO_SEAT && outside != latest) {
            emit ModelEvicted(active.idAt(outside));
            $.activeSeats = ActiveSeats.unwrap(_clearSeat($, active, outside));
        }
    }

    function _emitScored(uint256 modelId, Standing standing, uint256 quorum, uint256 rank) private {
        uint256 key = standing.score(quorum);
        uint256 independent = standing.independentCount();
        emit ModelScored(
            modelId,
            uint16(key >> 16),
            uint16(key),
            standing.verified(quorum),
            uint16(independent),
            rank < TOP_SIZE ? uint8(rank) : NOT_RANKED
        );
    }

    function _evaluation(StoredEvaluation storage stored, uint256 institutionId)
        private
        view
        returns (EvaluationRecord memory record)
    {
        uint256 measures = stored.measures;
        record.accuracy = _measure(measures, 0);
        record.precision = _measure(measures, 1);
        record.recall = _measure(measures, 2);
        record.specificity = _measure(measures, 3);
        record.f1 = _measure(measures, 4);
        record.auc = _measure(measures, 5);
        record.positives = uint32(measures >> 96);
        record.negatives = uint32(measures >> 128);
        record.evaluatedAt = uint40(measures >> 160);
        record.codeVersion = uint32(measures >> 200);
        record.cardVersion = uint8(measures >> 232);
        record.publisherSite = (measures >> 240) & 1 != 0;
        record.institutionId = _present(measures) ? institutionId : 0;
    }

    /// @dev Deletes a leaving model's record and empties its seat (its standing is overwritten by
    /// the next model in the seat).
    function _clearSeat(RegistryStorage storage $, ActiveSeats active, uint256 seat) private returns (ActiveSeats) {
        delete $.seats[seat];
        delete $.bindings[seat];
        return active.withIdAt(seat, 0);
    }

    /// @dev Seat of a kept model; reverts RegistryModelNotActive otherwise.
    function _keptSeat(RegistryStorage storage $, uint256 modelId) private view returns (uint256 seat) {
        seat = ActiveSeats.wrap($.activeSeats).find(modelId);
        if (seat == _NO_SEAT) revert RegistryModelNotActive(modelId);
    }

    function _storage() private pure returns (RegistryStorage storage $) {
        assembly {
            $.slot := _STORAGE_SLOT
        }
    }
}
