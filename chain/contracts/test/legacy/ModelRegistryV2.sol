// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IMembershipObserver} from "../../interfaces/IMembershipObserver.sol";
import {IModelRegistryV2 as IModelRegistry} from "./IModelRegistryV2.sol";

/// @title ModelRegistryV2
/// @notice The registry as deployed before the v3 upgrade (commit 7224ca5), kept only so that the
/// upgrade test can deploy it, fill it, and upgrade it through governance. Not deployed otherwise.
/// See {IModelRegistry}. UUPS proxy; the governance timelock holds DEFAULT_ADMIN_ROLE.
///
/// Storage is packed for gas (targets: recordDownload, and a publish that displaces a model from a
/// full top ten):
/// - kept models live in 11 fixed "seats" (10 ranked + a latest that did not rank); a published
///   model reuses the seat of the model it evicts, so its record overwrites storage instead of
///   allocating five fresh slots;
/// - `activeSeats` holds the model id of every seat (11 x 22 bits) and the pause flag, so a
///   download checks "not paused" and "model is kept" with one storage read;
/// - `ranking` holds the top ten as seat numbers (10 x 4 bits), their count, the latest seat and
///   the next model id.
/// Pausing is implemented here (not OpenZeppelin's Pausable) only so that the flag shares that slot.
contract ModelRegistryV2 is Initializable, AccessControlUpgradeable, UUPSUpgradeable, IModelRegistry {
    /// @notice May publish models (granted by governance).
    bytes32 public constant PUBLISHER_ROLE = keccak256("PUBLISHER_ROLE");
    /// @notice May query the audit history off chain (the indexer checks it); downloads nothing.
    bytes32 public constant AUDITOR_ROLE = keccak256("AUDITOR_ROLE");
    /// @notice May pause (not unpause) at once, without waiting for a vote and the timelock delay.
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");

    /// @notice Number of ranked models kept.
    uint256 public constant TOP_SIZE = 10;
    /// @notice `rank` in {ModelPublished} of a model that did not enter the top ten.
    uint8 public constant NOT_RANKED = type(uint8).max;
    /// @notice Largest model id (ids are packed in 22 bits).
    uint256 public constant MAX_MODEL_ID = (1 << 22) - 1;
    /// @notice Basis points: metrics are at most this.
    uint16 public constant BPS = 10_000;
    /// @notice Longest patient grant: a grant further ahead is a mistake (e.g. `--days 1e9`), not a need.
    uint64 public constant MAX_GRANT_DURATION = 3650 days;
    /// @notice Longest revocation reason, in bytes (it is emitted, and every indexer stores it).
    uint256 public constant MAX_REASON_BYTES = 1024;
    /// @notice Multicodec of a CID of raw bytes (a file that fits one block).
    uint32 public constant CODEC_RAW = 0x55;
    /// @notice Multicodec of a UnixFS (dag-pb) CID (a file of several blocks).
    uint32 public constant CODEC_DAG_PB = 0x70;

    uint256 private constant _SEATS = 11;
    uint256 private constant _ID_BITS = 22;
    uint256 private constant _PAUSED_BIT = 1 << 255;
    uint256 private constant _NO_SEAT = 15;
    uint256 private constant _ORDER_MASK = (1 << 40) - 1;
    uint256 private constant _COUNT_SHIFT = 40;
    uint256 private constant _LATEST_SHIFT = 44;
    uint256 private constant _NEXT_ID_SHIFT = 48;

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

    /// @custom:storage-location erc7201:neuroledger.storage.ModelRegistry
    struct RegistryStorage {
        uint256 activeSeats;
        uint256 ranking;
        Seat[11] seats;
        address membership;
        bytes32 taskId;
        mapping(bytes32 sha256 => bool) published;
        mapping(address account => Account) accounts;
        mapping(uint256 institutionId => address) institutionAccounts;
        mapping(address account => bytes32) encryptionKeys;
        mapping(address patient => mapping(uint256 modelId => StoredGrant)) grants;
        // ---- appended by the v2 upgrade (card binding, keyring fallback, content-key rotation)
        SeatBinding[11] bindings;
    }

    // keccak256(abi.encode(uint256(keccak256("neuroledger.storage.ModelRegistry")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant _STORAGE_SLOT = 0x564e01f72fb2c50a7c82bfe822f9b2ed27ecaedf85f12425943292aa85e22e00;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Sets the admin (the timelock, or the deployer until it hands over), the membership
    /// contract to follow, and the task every model must be for.
    /// @param initialPublishers Accounts granted PUBLISHER_ROLE at deployment (founding publishers).
    function initialize(address admin, address membershipContract, bytes32 task, address[] calldata initialPublishers)
        external
        initializer
    {
        if (admin == address(0) || membershipContract == address(0)) revert RegistryZeroAddress();
        __AccessControl_init();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        for (uint256 i; i < initialPublishers.length; ++i) {
            _grantRole(PUBLISHER_ROLE, initialPublishers[i]);
        }
        RegistryStorage storage $ = _storage();
        $.membership = membershipContract;
        $.taskId = task;
        $.ranking = (_NO_SEAT << _LATEST_SHIFT) | (1 << _NEXT_ID_SHIFT);
    }

    // ------------------------------------------------------------------ models

    /// @inheritdoc IModelRegistry
    function publish(PublishParams calldata params) external onlyRole(PUBLISHER_ROLE) returns (uint256 modelId) {
        RegistryStorage storage $ = _storage();
        uint256 active = $.activeSeats;
        if (active & _PAUSED_BIT != 0) revert RegistryPaused();
        (bool hasInstitution, uint256 institutionId,) = _institutionOf($, msg.sender);
        if (!hasInstitution) revert RegistryPublisherWithoutInstitution(msg.sender);
        _validate($, params);
        $.published[params.sha256] = true;

        uint256 rank;
        uint256 evictedId;
        uint256 freedId;
        (modelId, rank, evictedId, freedId) = _store($, active, params, institutionId);
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
        uint256 active = $.activeSeats;
        uint256 seat = _findSeat(active, modelId);
        if (seat == _NO_SEAT) revert RegistryModelNotActive(modelId);
        uint256 ranking = $.ranking;
        uint256 count = (ranking >> _COUNT_SHIFT) & 0xF;
        uint256 order = ranking & _ORDER_MASK;
        for (uint256 pos; pos < count; ++pos) {
            if (_seatAt(order, pos) == seat) {
                uint256 low = order & ((1 << (4 * pos)) - 1);
                uint256 high = (order >> (4 * (pos + 1))) << (4 * pos);
                order = low | high;
                --count;
                break;
            }
        }
        uint256 latest = (ranking >> _LATEST_SHIFT) & 0xF;
        if (latest == seat) latest = _NO_SEAT;
        $.ranking = (ranking & ~((uint256(1) << _NEXT_ID_SHIFT) - 1)) | order | (count << _COUNT_SHIFT)
            | (latest << _LATEST_SHIFT);
        delete $.seats[seat];
        delete $.bindings[seat];
        $.activeSeats = _setSeatId(active, seat, 0);
        emit ModelRevoked(modelId, msg.sender, reason);
    }

    /// @inheritdoc IModelRegistry
    function recordDownload(uint256 modelId) external {
        RegistryStorage storage $ = _storage();
        uint256 active = $.activeSeats;
        if (active & _PAUSED_BIT != 0) revert RegistryPaused();
        if (_findSeat(active, modelId) == _NO_SEAT) revert RegistryModelNotActive(modelId);
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
        if (_findSeat($.activeSeats, modelId) == _NO_SEAT) revert RegistryModelNotActive(modelId);
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
    function onMembershipChanged(address account, uint256 institutionId, bool isMember) external {
        RegistryStorage storage $ = _storage();
        if (msg.sender != $.membership) revert RegistryOnlyMembership(msg.sender);
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
        $.activeSeats |= _PAUSED_BIT;
        emit Paused(msg.sender);
    }

    /// @inheritdoc IModelRegistry
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        RegistryStorage storage $ = _storage();
        if ($.activeSeats & _PAUSED_BIT == 0) revert RegistryNotPaused();
        $.activeSeats &= ~_PAUSED_BIT;
        emit Unpaused(msg.sender);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IModelRegistry
    function topTenIds() external view returns (uint256[] memory ids) {
        RegistryStorage storage $ = _storage();
        (uint256 active, uint256 ranking) = ($.activeSeats, $.ranking);
        uint256 count = (ranking >> _COUNT_SHIFT) & 0xF;
        ids = new uint256[](count);
        for (uint256 pos; pos < count; ++pos) {
            ids[pos] = _seatId(active, _seatAt(ranking, pos));
        }
    }

    /// @inheritdoc IModelRegistry
    function topTen() external view returns (Model[] memory models) {
        RegistryStorage storage $ = _storage();
        (uint256 active, uint256 ranking) = ($.activeSeats, $.ranking);
        uint256 count = (ranking >> _COUNT_SHIFT) & 0xF;
        models = new Model[](count);
        for (uint256 pos; pos < count; ++pos) {
            uint256 seat = _seatAt(ranking, pos);
            models[pos] = _model($, seat, _seatId(active, seat));
        }
    }

    /// @inheritdoc IModelRegistry
    function latestModelId() public view returns (uint256) {
        RegistryStorage storage $ = _storage();
        uint256 seat = ($.ranking >> _LATEST_SHIFT) & 0xF;
        return seat == _NO_SEAT ? 0 : _seatId($.activeSeats, seat);
    }

    /// @inheritdoc IModelRegistry
    function latestModel() external view returns (Model memory model) {
        RegistryStorage storage $ = _storage();
        uint256 seat = ($.ranking >> _LATEST_SHIFT) & 0xF;
        if (seat != _NO_SEAT) model = _model($, seat, _seatId($.activeSeats, seat));
    }

    /// @inheritdoc IModelRegistry
    function getModel(uint256 modelId) external view returns (Model memory) {
        RegistryStorage storage $ = _storage();
        uint256 seat = _findSeat($.activeSeats, modelId);
        if (seat == _NO_SEAT) revert RegistryModelNotActive(modelId);
        return _model($, seat, modelId);
    }

    /// @inheritdoc IModelRegistry
    function isActive(uint256 modelId) external view returns (bool) {
        return _findSeat(_storage().activeSeats, modelId) != _NO_SEAT;
    }

    /// @inheritdoc IModelRegistry
    function nextModelId() external view returns (uint256) {
        return (_storage().ranking >> _NEXT_ID_SHIFT) & type(uint32).max;
    }

    /// @inheritdoc IModelRegistry
    function isShaPublished(bytes32 sha) external view returns (bool) {
        return _storage().published[sha];
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
        uint256 active = $.activeSeats;
        if (active & _PAUSED_BIT != 0 || _findSeat(active, modelId) == _NO_SEAT) return false;
        (bool allowed,,) = _downloadAuthorization($, account, modelId);
        return allowed;
    }

    /// @inheritdoc IModelRegistry
    function paused() external view returns (bool) {
        return _storage().activeSeats & _PAUSED_BIT != 0;
    }

    /// @inheritdoc IModelRegistry
    function taskId() external view returns (bytes32) {
        return _storage().taskId;
    }

    /// @inheritdoc IModelRegistry
    function membership() external view returns (address) {
        return _storage().membership;
    }

    /// @inheritdoc IModelRegistry
    function cardHashOf(uint256 modelId) external view returns (bytes32) {
        RegistryStorage storage $ = _storage();
        uint256 seat = _findSeat($.activeSeats, modelId);
        if (seat == _NO_SEAT) revert RegistryModelNotActive(modelId);
        return $.bindings[seat].cardHash;
    }

    /// @notice Implementation version (changes with each upgrade). "2": card binding, keepers of
    /// the model's institution, previous keyring, content-key rotation, input bounds.
    function version() external pure virtual returns (string memory) {
        return "2";
    }

    // ------------------------------------------------------------------ internals

    /// @dev Only the timelock (DEFAULT_ADMIN_ROLE) upgrades.
    function _authorizeUpgrade(address) internal override onlyRole(DEFAULT_ADMIN_ROLE) {}

    function _validate(RegistryStorage storage $, PublishParams calldata params) private view {
        _checkCid(params.content);
        _checkCid(params.keyring);
        if (params.sha256 == bytes32(0)) revert RegistryInvalidSha();
        if (params.cardHash == bytes32(0)) revert RegistryInvalidCardHash();
        if ($.published[params.sha256]) revert RegistryShaAlreadyPublished(params.sha256);
        Metrics calldata m = params.metrics;
        _checkBps(m.accuracy);
        _checkBps(m.precision);
        _checkBps(m.recall);
        _checkBps(m.f1);
        _checkBps(m.auc);
        if (m.testSetSize == 0) revert RegistryEmptyTestSet();
        if (params.taskId != $.taskId) revert RegistryTaskMismatch($.taskId, params.taskId);
        uint256 nextId = ($.ranking >> _NEXT_ID_SHIFT) & type(uint32).max;
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
        uint256 active = $.activeSeats;
        if (active & _PAUSED_BIT != 0) revert RegistryPaused();
        seatIndex = _findSeat(active, modelId);
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

    /// @dev Binary search for the new model's place: it goes before the first model it beats
    /// (higher F1, or equal F1 and higher accuracy); on a full tie the older model stays ahead.
    function _rankFor(RegistryStorage storage $, uint256 ranking, Metrics calldata m)
        private
        view
        returns (uint256 low)
    {
        uint256 high = (ranking >> _COUNT_SHIFT) & 0xF;
        while (low < high) {
            uint256 mid = (low + high) / 2;
            Seat storage other = $.seats[_seatAt(ranking, mid)];
            (uint16 f1, uint16 accuracy) = (other.f1, other.accuracy);
            if (m.f1 > f1 || (m.f1 == f1 && m.accuracy > accuracy)) high = mid;
            else low = mid + 1;
        }
    }

    /// @dev Decides which seat the new model takes and which kept models leave. The new model
    /// becomes the latest, so the previous latest leaves unless it is still ranked, and a full top
    /// ten drops its last model when the new one ranks. The new model reuses a leaving seat
    /// (`evicted`); a second leaving seat is cleared (`freed`).
    function _placeSeats(uint256 active, uint256 ranking, uint256 rank)
        private
        pure
        returns (uint256 seat, uint256 evicted, uint256 freed)
    {
        uint256 count = (ranking >> _COUNT_SHIFT) & 0xF;
        uint256 previousLatest = (ranking >> _LATEST_SHIFT) & 0xF;
        evicted = _NO_SEAT;
        freed = _NO_SEAT;
        bool ranks = rank < TOP_SIZE;
        uint256 dropped = ranks && count == TOP_SIZE ? _seatAt(ranking, TOP_SIZE - 1) : _NO_SEAT;
        if (dropped != _NO_SEAT) evicted = dropped;
        if (previousLatest != _NO_SEAT && previousLatest != dropped && !_isRanked(ranking, count, previousLatest)) {
            if (evicted == _NO_SEAT) evicted = previousLatest;
            else freed = previousLatest;
        }
        seat = evicted != _NO_SEAT ? evicted : _freeSeat(active);
    }

    function _rankingAfterPublish(uint256 ranking, uint256 rank, uint256 seat, uint256 modelId)
        private
        pure
        returns (uint256)
    {
        uint256 order = ranking & _ORDER_MASK;
        uint256 count = (ranking >> _COUNT_SHIFT) & 0xF;
        if (rank < TOP_SIZE) {
            uint256 shift = 4 * rank;
            uint256 low = order & ((1 << shift) - 1);
            uint256 high = (order >> shift) << (shift + 4);
            order = (low | (seat << shift) | high) & _ORDER_MASK;
            if (count < TOP_SIZE) ++count;
        }
        return order | (count << _COUNT_SHIFT) | (seat << _LATEST_SHIFT) | ((modelId + 1) << _NEXT_ID_SHIFT);
    }

    /// @dev Takes the next id, places the model in a seat and the ranking, frees leaving seats.
    function _store(RegistryStorage storage $, uint256 active, PublishParams calldata params, uint256 institutionId)
        private
        returns (uint256 modelId, uint256 rank, uint256 evictedId, uint256 freedId)
    {
        uint256 ranking = $.ranking;
        modelId = (ranking >> _NEXT_ID_SHIFT) & type(uint32).max;
        if (modelId > MAX_MODEL_ID) revert RegistryModelIdsExhausted();
        rank = _rankFor($, ranking, params.metrics);
        (uint256 seat, uint256 evictedSeat, uint256 freedSeat) = _placeSeats(active, ranking, rank);
        if (evictedSeat != _NO_SEAT) evictedId = _seatId(active, evictedSeat);
        if (freedSeat != _NO_SEAT) {
            freedId = _seatId(active, freedSeat);
            delete $.seats[freedSeat];
            delete $.bindings[freedSeat];
            active = _setSeatId(active, freedSeat, 0);
        }
        _writeSeat($, seat, params, institutionId);
        $.activeSeats = _setSeatId(active, seat, modelId);
        $.ranking = _rankingAfterPublish(ranking, rank, seat, modelId);
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
        if ($.activeSeats & _PAUSED_BIT != 0) revert RegistryPaused();
    }

    function _isRanked(uint256 ranking, uint256 count, uint256 seat) private pure returns (bool) {
        for (uint256 pos; pos < count; ++pos) {
            if (_seatAt(ranking, pos) == seat) return true;
        }
        return false;
    }

    /// @dev At most 11 models are kept and one of them left before a seat is needed, so a free
    /// seat exists; were it not so, the index would run past the array and revert (Panic 0x32).
    function _freeSeat(uint256 active) private pure returns (uint256 seat) {
        while (_seatId(active, seat) != 0) ++seat;
    }

    function _findSeat(uint256 active, uint256 modelId) private pure returns (uint256) {
        if (modelId == 0 || modelId > MAX_MODEL_ID) return _NO_SEAT;
        for (uint256 seat; seat < _SEATS; ++seat) {
            if (_seatId(active, seat) == modelId) return seat;
        }
        return _NO_SEAT;
    }

    function _seatId(uint256 active, uint256 seat) private pure returns (uint256) {
        return (active >> (seat * _ID_BITS)) & MAX_MODEL_ID;
    }

    function _setSeatId(uint256 active, uint256 seat, uint256 modelId) private pure returns (uint256) {
        uint256 shift = seat * _ID_BITS;
        return (active & ~(MAX_MODEL_ID << shift)) | (modelId << shift);
    }

    function _seatAt(uint256 ranking, uint256 pos) private pure returns (uint256) {
        return (ranking >> (4 * pos)) & 0xF;
    }

    function _storage() private pure returns (RegistryStorage storage $) {
        assembly {
            $.slot := _STORAGE_SLOT
        }
    }
}
