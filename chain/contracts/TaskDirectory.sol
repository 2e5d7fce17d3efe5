// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {Create2} from "@openzeppelin/contracts/utils/Create2.sol";
import {ModelRegistry} from "./ModelRegistry.sol";
import {IMembership} from "./interfaces/IMembership.sol";
import {IMembershipObserver} from "./interfaces/IMembershipObserver.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {ITaskDirectory} from "./interfaces/ITaskDirectory.sol";

/// @title TaskDirectory
/// @notice See {ITaskDirectory}. UUPS proxy; the governance timelock holds DEFAULT_ADMIN_ROLE.
/// @dev One registry per task (not one multi-task registry): ModelRegistry is within a few hundred
/// bytes of the 24,576-byte code limit, and a separate proxy leaves the existing registry, its
/// storage, rankings and downloads untouched when a task is added.
contract TaskDirectory is Initializable, AccessControlUpgradeable, UUPSUpgradeable, ITaskDirectory, IMembershipObserver {
    /// @notice Longest task name, in UTF-8 bytes.
    uint256 public constant MAX_TASK_BYTES = 128;

    /// @custom:storage-location erc7201:neuroledger.storage.TaskDirectory
    struct DirectoryStorage {
        address membership;
        address governance;
        Task[] tasks;
        mapping(bytes32 taskId => address) registryOf;
        mapping(address registry => bytes32) taskOf;
        // Every removal the directory was told of (institution id, then its account), so that
        // addTask can undo it in a registry that missed it (see `_replayRemovals`).
        uint256[] removedIds;
        mapping(uint256 institutionId => address) removedAccountOf;
    }

    // keccak256(abi.encode(uint256(keccak256("neuroledger.storage.TaskDirectory")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant _STORAGE_SLOT = 0x51a13f916b59b9500310d7e92db2fafebd1f180e5f307692fe0f0f6d8d612800;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Sets the admin (the deployer until it hands over, then the timelock), the governance
    /// timelock every registry must be administered by, and the membership every registry follows.
    function initialize(address admin, address governanceTimelock, address membershipContract) external initializer {
        if (admin == address(0) || governanceTimelock == address(0) || membershipContract == address(0)) {
            revert TaskDirectoryZeroAddress();
        }
        __AccessControl_init();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        DirectoryStorage storage $ = _storage();
        $.membership = membershipContract;
        $.governance = governanceTimelock;
    }

    /// @inheritdoc ITaskDirectory
    function addTask(string calldata task, address registry) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _addTask(task, registry);
    }

    /// @inheritdoc ITaskDirectory
    function createTask(string calldata task, address implementation, address[] calldata publishers)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
        returns (address registry)
    {
        bytes32 id = _checkNewTask(task);
        registry = address(new ERC1967Proxy{salt: id}(implementation, _registryInit(id, publishers)));
        emit TaskRegistryCreated(id, registry, implementation);
        _addTask(task, registry);
    }

    /// @inheritdoc ITaskDirectory
    function registryAddressOf(string calldata task, address implementation, address[] calldata publishers)
        external
        view
        returns (address)
    {
        bytes32 id = keccak256(bytes(task));
        bytes memory initCode = abi.encodePacked(
            type(ERC1967Proxy).creationCode, abi.encode(implementation, _registryInit(id, publishers))
        );
        return Create2.computeAddress(id, keccak256(initCode));
    }

    /// @dev `ModelRegistry.initialize(governance, membership, taskId, publishers)`: governance is the
    /// only admin from the registry's first block.
    function _registryInit(bytes32 id, address[] calldata publishers) private view returns (bytes memory) {
        DirectoryStorage storage $ = _storage();
        return abi.encodeCall(ModelRegistry.initialize, ($.governance, $.membership, id, publishers));
    }

    /// @dev The name rules and "not added yet"; returns the task id.
    function _checkNewTask(string calldata task) private view returns (bytes32 id) {
        uint256 length = bytes(task).length;
        if (length == 0) revert TaskDirectoryEmptyName();
        if (length > MAX_TASK_BYTES) revert TaskDirectoryNameTooLong(length, MAX_TASK_BYTES);
        _checkNameCharacters(bytes(task));
        id = keccak256(bytes(task));
        address existing = _storage().registryOf[id];
        if (existing != address(0)) revert TaskDirectoryTaskExists(id, existing);
    }

    function _addTask(string calldata task, address registry) private {
        bytes32 id = _checkNewTask(task);
        DirectoryStorage storage $ = _storage();
        _checkRegistry($, id, registry);
        bytes32 served = $.taskOf[registry];
        if (served != bytes32(0)) revert TaskDirectoryRegistryInUse(registry, served);
        address observer = IMembership($.membership).observer();
        if (observer != address(this)) revert TaskDirectoryNotMembershipObserver(observer);

        $.tasks.push(Task({taskId: id, task: task, registry: registry}));
        $.registryOf[id] = registry;
        $.taskOf[registry] = id;
        emit TaskAdded(id, task, registry);
        _replayRemovals($, registry);
        _syncMembers($.membership, registry);
    }

    /// @notice Relays an admission or removal to every task's registry, and remembers a removal
    /// for the registries added later.
    /// @dev Only the membership contract. A registry that reverts stops the admission: every
    /// registry was checked at {addTask} and is upgraded only by governance.
    function onMembershipChanged(address account, uint256 institutionId, bool isMember) external {
        DirectoryStorage storage $ = _storage();
        if (msg.sender != $.membership) revert TaskDirectoryOnlyMembership(msg.sender);
        if (!isMember) {
            $.removedIds.push(institutionId);
            $.removedAccountOf[institutionId] = account;
        }
        uint256 count = $.tasks.length;
        for (uint256 i = 0; i < count; ++i) {
            IMembershipObserver($.tasks[i].registry).onMembershipChanged(account, institutionId, isMember);
        }
    }

    /// @inheritdoc ITaskDirectory
    function resync(Removal[] calldata removed) external {
        DirectoryStorage storage $ = _storage();
        address membershipContract = $.membership;
        address observer = IMembership(membershipContract).observer();
        if (observer != address(this)) revert TaskDirectoryNotMembershipObserver(observer);
        uint256 count = $.tasks.length;
        uint256 relayed;
        for (uint256 r = 0; r < removed.length; ++r) {
            Removal calldata removal = removed[r];
            _requireRemoved(membershipContract, removal.institutionId);
            // A removal the directory relayed itself reached every registry (later ones by replay).
            bool relayedBefore = $.removedAccountOf[removal.institutionId] == removal.account;
            bool held;
            for (uint256 i = 0; i < count; ++i) {
                (bool undone, bool exact) =
                    _undoRemoval($.tasks[i].registry, removal.account, removal.institutionId, relayedBefore);
                if (undone) ++relayed;
                held = held || exact;
            }
            // Remembered for registries added later only when a registry held that very pair (only
            // the Membership could have told it so): a caller cannot plant a wrong account for an id.
            if (held && $.removedAccountOf[removal.institutionId] == address(0)) {
                $.removedIds.push(removal.institutionId);
                $.removedAccountOf[removal.institutionId] = removal.account;
            }
        }
        for (uint256 i = 0; i < count; ++i) {
            _syncMembers(membershipContract, $.tasks[i].registry);
        }
        emit RegistriesResynced(msg.sender, relayed);
    }

    /// @inheritdoc ITaskDirectory
    function registryOf(bytes32 taskId) external view returns (address registry) {
        registry = _storage().registryOf[taskId];
        if (registry == address(0)) revert TaskDirectoryUnknownTask(taskId);
    }

    /// @inheritdoc ITaskDirectory
    function taskOf(address registry) external view returns (bytes32) {
        return _storage().taskOf[registry];
    }

    /// @inheritdoc ITaskDirectory
    function taskCount() external view returns (uint256) {
        return _storage().tasks.length;
    }

    /// @inheritdoc ITaskDirectory
    function taskAt(uint256 index) external view returns (bytes32 taskId, string memory task, address registry) {
        DirectoryStorage storage $ = _storage();
        uint256 count = $.tasks.length;
        if (index >= count) revert TaskDirectoryIndexOutOfRange(index, count);
        Task storage entry = $.tasks[index];
        return (entry.taskId, entry.task, entry.registry);
    }

    /// @inheritdoc ITaskDirectory
    function membership() external view returns (address) {
        return _storage().membership;
    }

    /// @inheritdoc ITaskDirectory
    function governance() external view returns (address) {
        return _storage().governance;
    }

    function _authorizeUpgrade(address) internal override onlyRole(DEFAULT_ADMIN_ROLE) {}

    /// @dev A name is an identifier read by people and used in URLs, file names and CSV cells:
    /// `a-z 0-9 - _ . /` only, so no capital, space, control, invisible (zero-width, bidi) or
    /// look-alike non-ASCII character can make a task pass for another in a vote or a switcher.
    function _checkNameCharacters(bytes calldata name) private pure {
        for (uint256 i = 0; i < name.length; ++i) {
            bytes1 c = name[i];
            // a-z, 0-9, '-', '_', '.', '/'
            bool allowed = (c > 0x60 && c < 0x7b) || (c > 0x2f && c < 0x3a) || c == 0x2d || c == 0x5f
                || c == 0x2e || c == 0x2f;
            if (!allowed) revert TaskDirectoryInvalidNameCharacter(i, c);
        }
    }

    /// @dev The registry checks of {addTask}. Reads go through `staticcall` with the return size
    /// checked, so any address (an EOA, a contract without these functions, one that answers
    /// short) gets a named error instead of a bare revert.
    function _checkRegistry(DirectoryStorage storage $, bytes32 id, address registry) private view {
        if (registry.code.length == 0) revert TaskDirectoryNotAContract(registry);
        bytes32 actualTask = _readWord(registry, abi.encodeWithSignature("taskId()"));
        if (actualTask != id) revert TaskDirectoryTaskMismatch(registry, id, actualTask);
        address actualMembership =
            address(uint160(uint256(_readWord(registry, abi.encodeWithSignature("membership()")))));
        if (actualMembership != $.membership) {
            revert TaskDirectoryMembershipMismatch(registry, $.membership, actualMembership);
        }
        bytes memory hasRoleCall =
            abi.encodeWithSignature("hasRole(bytes32,address)", DEFAULT_ADMIN_ROLE, $.governance);
        if (_readWord(registry, hasRoleCall) != bytes32(uint256(1))) {
            revert TaskDirectoryRegistryNotGoverned(registry, $.governance);
        }
        uint256 admins = _adminCount(registry);
        if (admins != 1) revert TaskDirectoryRegistryNotSolelyGoverned(registry, admins);
    }

    /// @dev `registry.adminCount()`, or type(uint256).max (unknown) from a registry that cannot
    /// answer (an implementation from before admins were counted).
    function _adminCount(address registry) private view returns (uint256) {
        (bool ok, bytes memory result) = registry.staticcall(abi.encodeWithSignature("adminCount()"));
        if (!ok || result.length < 32) return type(uint256).max;
        return abi.decode(result, (uint256));
    }

    function _readWord(address target, bytes memory data) private view returns (bytes32 word) {
        (bool ok, bytes memory result) = target.staticcall(data);
        if (!ok || result.length < 32) revert TaskDirectoryNotARegistry(target);
        word = abi.decode(result, (bytes32));
    }

    /// @dev Undoes in `registry` every removal the directory was told of while the registry was not
    /// listed (a registry that was the membership's observer before the directory, and is added
    /// after `setObserver(directory)`): it still holds the removed account as a member of that
    /// institution, which keeps the account and the institution's staff acting there. Ids are never
    /// reused, so a member record with a removed id is always stale; a registry that holds none (a
    /// fresh one) is told nothing.
    function _replayRemovals(DirectoryStorage storage $, address registry) private {
        uint256 count = $.removedIds.length;
        for (uint256 i = 0; i < count; ++i) {
            uint256 institutionId = $.removedIds[i];
            _undoRemoval(registry, $.removedAccountOf[institutionId], institutionId, true);
        }
    }

    /// @dev The removal of a burned `institutionId` ({resync}, and {addTask}'s replay with
    /// `relayedBefore` true). Relayed when `registry` holds `account` as that id's member (`exact`:
    /// the stale record; ids are never reused), or as another id's member while the directory never
    /// relayed this removal (`relayedBefore` false): the account was readmitted
    /// while the directory was not told, and the registry still points the old id at it, which
    /// keeps the old institution's staff acting. The relay clears both, and the sync that follows
    /// restores the account's current membership, so a wrong pair costs a current member nothing.
    function _undoRemoval(address registry, address account, uint256 institutionId, bool relayedBefore)
        private
        returns (bool undone, bool exact)
    {
        IModelRegistry.AccountRoles memory roles = _rolesOf(registry, account);
        bool member = roles.kind == IModelRegistry.AccountKind.Member;
        exact = member && roles.institutionId == institutionId;
        undone = exact || (member && !relayedBefore);
        if (undone) IMembershipObserver(registry).onMembershipChanged(account, institutionId, false);
    }

    /// @dev Reverts {TaskDirectoryStillMember} while the Membership has `institutionId` (its token
    /// exists); a burned or never minted id passes.
    function _requireRemoved(address membershipContract, uint256 institutionId) private view {
        try IERC721(membershipContract).ownerOf(institutionId) returns (address owner) {
            revert TaskDirectoryStillMember(institutionId, owner);
        } catch {} // solhint-disable-line no-empty-blocks
    }

    function _rolesOf(address registry, address account) private view returns (IModelRegistry.AccountRoles memory) {
        try IModelRegistry(registry).rolesOf(account) returns (IModelRegistry.AccountRoles memory roles) {
            return roles;
        } catch {
            revert TaskDirectoryNotARegistry(registry);
        }
    }

    /// @dev Tells a registry about every current member it does not hold as such (ids are
    /// sequential from 1; removed ones have no owner), so a task added after admissions serves the
    /// same institutions; one already in step is told nothing (no event to repeat).
    function _syncMembers(address membershipContract, address registry) private {
        uint256 remaining = IMembership(membershipContract).memberCount();
        for (uint256 id = 1; remaining > 0; ++id) {
            try IERC721(membershipContract).ownerOf(id) returns (address account) {
                --remaining;
                IModelRegistry.AccountRoles memory roles = _rolesOf(registry, account);
                if (roles.kind != IModelRegistry.AccountKind.Member || roles.institutionId != id) {
                    IMembershipObserver(registry).onMembershipChanged(account, id, true);
                }
            } catch {} // solhint-disable-line no-empty-blocks
        }
    }

    function _storage() private pure returns (DirectoryStorage storage $) {
        assembly {
            $.slot := _STORAGE_SLOT
        }
    }
}
