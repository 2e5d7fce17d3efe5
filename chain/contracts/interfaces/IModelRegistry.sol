// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IMembershipObserver} from "./IMembershipObserver.sol";
import {IModelEvaluations} from "./IModelEvaluations.sol";

/// @title IModelRegistry
/// @notice The consortium's registry of brain-tumor detection models: the latest model and a
/// ranked top ten (by score: members' measured F1 once verified, else the claimed F1; ties by
/// accuracy, then older first; see {IModelEvaluations}), downloads, staff accounts, patient
/// grants, encryption public keys and keyrings.
///
/// Storage policy: only the latest model and the top ten are kept. A model that leaves both is
/// evicted: its record is deleted (or overwritten by the model that replaced it) and
/// {ModelEvicted} is emitted; its history lives on in the events.
///
/// CIDs are stored packed as {Cid}: the 32-byte sha2-256 multihash digest plus the multicodec of
/// a CIDv1 (e.g. 0x55 raw, 0x70 dag-pb, 0x0129 dag-json). The CID string is rebuilt as
/// CIDv1(codec, multihash(0x12, 32, digest)); a CIDv0 "Qm..." is the same as CIDv1 dag-pb with
/// the same digest. Metrics are basis points (0..10000). Only the codecs the product writes are
/// accepted: 0x55 raw (a file that fits one block) and 0x70 dag-pb (a UnixFS file of several blocks).
///
/// Integrity of what a clinician runs: each model published by this version carries `cardHash`,
/// the sha256 of its model card in RFC 8785 canonical JSON, fixed at publish. Keyring updates may
/// add or drop wraps but never change the card, the content or the sha256; readers refuse a keyring
/// whose card does not hash to `cardHash`. Models published before the upgrade that introduced it
/// have `cardHash == 0`: readers treat their card as unverified.
interface IModelRegistry is IMembershipObserver, IModelEvaluations {
    /// @notice What an account is to the registry.
    enum AccountKind {
        None,
        Member,
        Staff,
        Patient
    }

    /// @notice How a download was authorized.
    enum DownloadKind {
        Member,
        Staff,
        Patient
    }

    /// @notice A CIDv1 whose multihash is sha2-256: digest and multicodec.
    struct Cid {
        bytes32 digest;
        uint32 codec;
    }

    /// @notice Test-set metrics in basis points, and the test-set size.
    struct Metrics {
        uint16 accuracy;
        uint16 precision;
        uint16 recall;
        uint16 f1;
        uint16 auc;
        uint32 testSetSize;
    }

    /// @notice What a publisher supplies.
    /// `cardHash`: sha256 of the model card's RFC 8785 canonical JSON (not zero).
    /// `weightsHash`: the hash of the network's weights (sdk `weightsHash(onnxBytes)`: tensor values
    /// only, names and metadata ignored; not zero), unique across every model ever published.
    struct PublishParams {
        Cid content;
        Cid keyring;
        bytes32 sha256;
        Metrics metrics;
        bytes32 taskId;
        uint256 parentId;
        bytes32 cardHash;
        bytes32 weightsHash;
    }

    /// @notice A kept model as returned by the read functions.
    /// `previousKeyring`: the keyring the current one replaced for the same content (zero digest
    /// when there is none: never updated, or the content key was rotated since), the fallback of a
    /// reader that cannot fetch or verify the current keyring. `cardHash`: zero for a model published
    /// before card hashes existed. `contentVersion`: 1 at publish, +1 on each content-key rotation.
    struct Model {
        uint256 id;
        Cid content;
        Cid keyring;
        uint32 keyringVersion;
        bytes32 sha256;
        Metrics metrics;
        bytes32 taskId;
        uint256 parentId;
        address publisher;
        uint256 institutionId;
        uint64 publishedAt;
        bytes32 cardHash;
        Cid previousKeyring;
        uint32 contentVersion;
    }

    /// @notice A patient's access to one model.
    struct Grant {
        uint64 expiresAt;
        uint256 institutionId;
    }

    /// @notice Everything the dApp and CLI need to know about an account in one call.
    struct AccountRoles {
        AccountKind kind;
        uint256 institutionId;
        bool institutionActive;
        bool publisher;
        bool auditor;
        bool guardian;
        bool admin;
        bytes32 encryptionKey;
    }

    /// @notice A model was published. `rank` is its place in the top ten (0 = best) or 255 when it
    /// did not enter it; the top ten can be rebuilt from these events, {ModelEvicted},
    /// {ModelRevoked} and {ModelScored}. It is also the new latest model; its score is its claim.
    event ModelPublished(
        uint256 indexed modelId,
        address indexed publisher,
        uint256 indexed institutionId,
        Cid content,
        Cid keyring,
        bytes32 sha256,
        Metrics metrics,
        bytes32 taskId,
        uint256 parentId,
        uint8 rank
    );

    /// @notice A model left both the top ten and the latest slot; its storage was freed.
    event ModelEvicted(uint256 indexed modelId);

    /// @notice Governance revoked a model; it left the top ten and the latest slot.
    event ModelRevoked(uint256 indexed modelId, address indexed by, string reason);

    /// @notice A model's keyring was replaced; `version` counts from 1 (the published keyring).
    /// The replaced keyring stays readable as {Model.previousKeyring} and in the earlier events.
    event KeyringUpdated(uint256 indexed modelId, address indexed by, Cid keyring, uint32 version);

    /// @notice The model card a published model is bound to (sha256 of its RFC 8785 canonical JSON);
    /// emitted right after {ModelPublished}, fixed for the model's life.
    event ModelCardBound(uint256 indexed modelId, bytes32 cardHash);

    /// @notice A model's content key was rotated: new ciphertext `content` (same plaintext sha256,
    /// same card) and its keyring `keyring`. `contentVersion` counts rotations from 1 (the published
    /// content); `keyringVersion` continues the keyring count of {KeyringUpdated}.
    event ContentKeyRotated(
        uint256 indexed modelId,
        address indexed by,
        Cid content,
        Cid keyring,
        uint32 contentVersion,
        uint32 keyringVersion
    );

    /// @notice An account registered (or replaced) its X25519 public key.
    event EncryptionKeySet(address indexed account, bytes32 previousKey, bytes32 newKey);

    /// @notice A member institution added a staff account.
    event StaffAdded(address indexed account, uint256 indexed institutionId, address indexed by);

    /// @notice A member institution removed a staff account.
    event StaffRemoved(address indexed account, uint256 indexed institutionId, address indexed by);

    /// @notice A member institution granted a patient access to one model until `expiresAt`.
    event PatientAccessGranted(
        address indexed patient, uint256 indexed modelId, uint256 indexed institutionId, uint64 expiresAt
    );

    /// @notice A member institution revoked a patient's access to one model.
    event PatientAccessRevoked(address indexed patient, uint256 indexed modelId, uint256 indexed institutionId);

    /// @notice An authorized account downloaded a model.
    event ModelDownloaded(
        uint256 indexed modelId, address indexed account, uint256 indexed institutionId, DownloadKind kind
    );

    /// @notice The registry's copy of the membership changed (admission or removal).
    event MembershipSynced(address indexed account, uint256 indexed institutionId, bool isMember);

    /// @notice The registry was paused.
    event Paused(address account);

    /// @notice The registry was unpaused.
    event Unpaused(address account);

    error RegistryPaused();
    error RegistryNotPaused();
    error RegistryZeroAddress();
    error RegistryInvalidCid(bytes32 digest, uint32 codec);
    error RegistryMetricOutOfRange(uint16 value);
    /// @notice These weights were published before as `modelId` (kept, evicted or revoked): the
    /// same network with another file (names, metadata) gains nothing.
    error RegistryWeightsAlreadyPublished(bytes32 weightsHash, uint256 modelId);
    error RegistryInvalidWeightsHash();
    error RegistryInvalidSha();
    error RegistryUnknownParent(uint256 parentId);
    error RegistryTaskMismatch(bytes32 expected, bytes32 actual);
    error RegistryModelNotActive(uint256 modelId);
    error RegistryModelIdsExhausted();
    error RegistryNotMemberInstitution(address account);
    error RegistryPublisherWithoutInstitution(address publisher);
    error RegistryDownloadNotAuthorized(address account, uint256 modelId);
    error RegistryAccountAlreadyRegistered(address account, AccountKind kind);
    error RegistryNotStaffOfInstitution(address account, uint256 institutionId);
    error RegistryInvalidEncryptionKey();
    error RegistryNotAuthorizedAccount(address account);
    error RegistryNotKeyringUpdater(address account, uint256 modelId);
    error RegistryGrantExpiryInPast(uint64 expiresAt, uint64 now_);
    error RegistryNoGrant(address patient, uint256 modelId, uint256 institutionId);
    error RegistryOnlyMembership(address caller);
    error RegistryUnsupportedCidCodec(uint32 codec);
    error RegistryEmptyTestSet();
    error RegistryInvalidCardHash();
    error RegistryKeyringUnchanged(uint256 modelId);
    error RegistryContentUnchanged(uint256 modelId);
    error RegistryStaffCannotActForInstitution(address account, uint256 institutionId);
    error RegistryGrantExpiryTooFar(uint64 expiresAt, uint64 maxExpiresAt);
    error RegistryReasonTooLong(uint256 length, uint256 maxLength);

    /// @notice Publishes a model; it becomes the latest and enters the top ten if it ranks.
    /// @dev PUBLISHER_ROLE; the caller must be a member institution or staff of one. Not while paused.
    /// Reverts on weights already published ({RegistryWeightsAlreadyPublished}, also after the
    /// model was revoked: a republish must not reset its measurements), a zero sha256, card hash or
    /// weights hash, metrics over 10000, an empty test set, an empty CID or one of another codec
    /// than raw/dag-pb, another task, or an unknown parent. (The same file has the same weights, so
    /// there is no separate sha256 check.)
    /// Emits {ModelPublished} then {ModelCardBound}.
    /// @return modelId The new model's id (ids start at 1 and are never reused).
    function publish(PublishParams calldata params) external returns (uint256 modelId);

    /// @notice Removes a kept model from the top ten and the latest slot, with a reason.
    /// @dev DEFAULT_ADMIN_ROLE (governance). Allowed while paused. `reason` is at most 1024 bytes.
    function revoke(uint256 modelId, string calldata reason) external;

    /// @notice Records that the caller downloaded a kept model.
    /// @dev Members, staff of a member, or patients holding an unexpired grant for the model.
    function recordDownload(uint256 modelId) external;

    /// @notice Adds a staff account (a clinician who may download but does not vote) to the
    /// caller's institution.
    /// @dev Member institutions only; not while paused.
    function addStaff(address account) external;

    /// @notice Removes a staff account of the caller's institution.
    /// @dev Allowed while paused.
    function removeStaff(address account) external;

    /// @notice Registers the caller's X25519 public key (32 bytes, not zero).
    /// @dev Members, staff, patients with a grant, and publishers. Not while paused.
    function setEncryptionKey(bytes32 publicKey) external;

    /// @notice Replaces a kept model's keyring CID (e.g. after wrapping the key for a new account).
    /// The new keyring must wrap the same content key and carry the same card: readers check it.
    /// The replaced keyring becomes {Model.previousKeyring}.
    /// @dev A keeper of the model: an account (member or staff) of the model's institution while that
    /// institution is a member; once it is not, an account of any member institution. Not while
    /// paused. Reverts with {RegistryKeyringUnchanged} when `keyring` is the current keyring.
    function updateKeyring(uint256 modelId, Cid calldata keyring) external;

    /// @notice Rotates a kept model's content key: `content` is the model re-encrypted under a new
    /// content key (same plaintext sha256, same card) and `keyring` wraps that key for the accounts
    /// still authorized. Used when an account's access is revoked or expires, so that a wrap it kept
    /// opens nothing new. The previous keyring is cleared (it belongs to the old content).
    /// @dev Same callers as {updateKeyring}; not while paused. Reverts with
    /// {RegistryContentUnchanged} when `content` is the current content. Emits {ContentKeyRotated}.
    function rotateContentKey(uint256 modelId, Cid calldata content, Cid calldata keyring) external;

    /// @notice Grants `patient` access to one kept model until `expiresAt` (unix seconds).
    /// @dev The institution's member account only (staff get {RegistryStaffCannotActForInstitution});
    /// not while paused. At most {MAX_GRANT_DURATION} ahead ({RegistryGrantExpiryTooFar}).
    /// Replaces an earlier grant.
    function grantPatientAccess(address patient, uint256 modelId, uint64 expiresAt) external;

    /// @notice Revokes a grant made by the caller's institution.
    /// @dev Allowed while paused.
    function revokePatientAccess(address patient, uint256 modelId) external;

    /// @notice Stops publishing, downloads, grants, staff additions, key and keyring updates.
    /// @dev DEFAULT_ADMIN_ROLE (governance) or GUARDIAN_ROLE.
    function pause() external;

    /// @notice Lifts a pause.
    /// @dev DEFAULT_ADMIN_ROLE (governance) only.
    function unpause() external;

    /// @notice The ids of the top ten, best first.
    function topTenIds() external view returns (uint256[] memory);

    /// @notice The top ten records, best first.
    function topTen() external view returns (Model[] memory);

    /// @notice The latest model's id, or 0 when there is none (nothing published, or it was revoked).
    function latestModelId() external view returns (uint256);

    /// @notice The latest model's record; all zero when there is none.
    function latestModel() external view returns (Model memory);

    /// @notice A kept model's record.
    /// @dev Reverts with {RegistryModelNotActive} otherwise.
    function getModel(uint256 modelId) external view returns (Model memory);

    /// @notice Whether the model is kept (in the top ten or the latest).
    function isActive(uint256 modelId) external view returns (bool);

    /// @notice The id the next published model will get.
    function nextModelId() external view returns (uint256);

    /// @notice The id of the model published with these weights (`PublishParams.weightsHash`), kept
    /// or not; 0 when they never were.
    function modelIdByWeights(bytes32 weightsHash) external view returns (uint256);

    /// @notice Kind, institution, roles and encryption key of an account.
    function rolesOf(address account) external view returns (AccountRoles memory);

    /// @notice The X25519 public key of an account (zero when none).
    function encryptionKeyOf(address account) external view returns (bytes32);

    /// @notice A patient's grant for a model (zero when none).
    function patientGrant(address patient, uint256 modelId) external view returns (Grant memory);

    /// @notice Whether `account` may record a download of `modelId` now.
    function canDownload(address account, uint256 modelId) external view returns (bool);

    /// @notice Whether the registry is paused.
    function paused() external view returns (bool);

    /// @notice keccak256 of the task every model must be for (e.g. "brain-tumor-mri/binary").
    function taskId() external view returns (bytes32);

    /// @notice The membership contract this registry follows.
    function membership() external view returns (address);

    /// @notice The card hash a model is bound to (zero for models published before card hashes).
    /// @dev Reverts with {RegistryModelNotActive} for a model that is not kept.
    function cardHashOf(uint256 modelId) external view returns (bytes32);
}
