// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title ITaskDirectory
/// @notice The consortium's classification tasks: one {ModelRegistry} proxy per task, all following
/// the same {Membership} and administered by the same governance timelock. Only governance (the
/// directory's admin) adds a task. The directory is also the Membership's observer: it relays every
/// admission and removal to each task's registry, so one vote admits an institution everywhere.
interface ITaskDirectory {
    /// @notice One task: its id (`keccak256(bytes(task))`), its name and its registry.
    struct Task {
        bytes32 taskId;
        string task;
        address registry;
    }

    /// @notice An institution the Membership no longer has (its token burned) and the account it
    /// was admitted with: what {resync} undoes in a registry that still holds it.
    struct Removal {
        uint256 institutionId;
        address account;
    }

    /// @notice Governance added a task and its registry.
    event TaskAdded(bytes32 indexed taskId, string task, address indexed registry);

    /// @notice {createTask} deployed the task's registry proxy (then {TaskAdded} lists it).
    event TaskRegistryCreated(bytes32 indexed taskId, address indexed registry, address indexed implementation);

    /// @notice {resync} told every registry of the current members and undid `removalsRelayed`
    /// stale memberships (one per registry that held one).
    // solhint-disable-next-line gas-indexed-events
    event RegistriesResynced(address indexed by, uint256 removalsRelayed); // a count: read, not searched

    /// @notice A zero address was given for the admin, the governance or the membership.
    error TaskDirectoryZeroAddress();

    /// @notice A task needs a name.
    error TaskDirectoryEmptyName();

    /// @notice A task name longer than {MAX_TASK_BYTES} (UTF-8 bytes).
    error TaskDirectoryNameTooLong(uint256 length, uint256 maxLength);

    /// @notice A task name holds a character other than `a-z 0-9 - _ . /` (`index` = its byte).
    error TaskDirectoryInvalidNameCharacter(uint256 index, bytes1 character);

    /// @notice The registry address holds no code.
    error TaskDirectoryNotAContract(address registry);

    /// @notice The contract does not answer `taskId()`, `membership()` or `hasRole` like a registry.
    error TaskDirectoryNotARegistry(address registry);

    /// @notice The registry serves another task than the one named (`expected` = keccak256 of the name).
    error TaskDirectoryTaskMismatch(address registry, bytes32 expected, bytes32 actual);

    /// @notice The registry follows another membership contract than the directory's.
    error TaskDirectoryMembershipMismatch(address registry, address expected, address actual);

    /// @notice The governance timelock does not administer the registry.
    error TaskDirectoryRegistryNotGoverned(address registry, address governance);

    /// @notice The registry has `adminCount` holders of DEFAULT_ADMIN_ROLE, not the governance
    /// timelock alone (type(uint256).max: it does not count them; see `ModelRegistry.adminCount`).
    error TaskDirectoryRegistryNotSolelyGoverned(address registry, uint256 adminCount);

    /// @notice The task was already added (with `registry`).
    error TaskDirectoryTaskExists(bytes32 taskId, address registry);

    /// @notice The registry already serves a task of this directory.
    error TaskDirectoryRegistryInUse(address registry, bytes32 taskId);

    /// @notice No task has this id.
    error TaskDirectoryUnknownTask(bytes32 taskId);

    /// @notice `index` is not below {taskCount}.
    error TaskDirectoryIndexOutOfRange(uint256 index, uint256 count);

    /// @notice The membership contract does not name the directory as its observer, so the directory
    /// cannot relay admissions to a new registry (governance sets it with `Membership.setObserver`).
    error TaskDirectoryNotMembershipObserver(address observer);

    /// @notice Only the membership contract reports admissions and removals.
    error TaskDirectoryOnlyMembership(address caller);

    /// @notice {resync} was given an institution the Membership still has.
    error TaskDirectoryStillMember(uint256 institutionId, address owner);

    /// @notice Adds a task and its registry, and brings the registry in step with the membership:
    /// undoes every removal the directory relayed while the registry was not listed (a registry
    /// that was the membership's observer before the directory still holds those members), then
    /// tells it about every current member.
    /// @dev Admin only (the timelock). Checks, each with its own error: a non-empty name of at most
    /// {MAX_TASK_BYTES} bytes of `a-z 0-9 - _ . /` only; `registry` holds code and answers like a registry;
    /// `registry.taskId() == keccak256(bytes(task))`; `registry.membership()` is the directory's;
    /// the governance timelock holds the registry's DEFAULT_ADMIN_ROLE and is its only holder
    /// (`adminCount() == 1`: a deployer that kept the role could otherwise grant roles or upgrade
    /// the registry without a vote); neither the task nor the
    /// registry is in the directory yet; the directory is the membership's observer. Emits {TaskAdded}.
    /// @param task The task name, e.g. `brain-tumor-mri/type`.
    /// @param registry The task's ModelRegistry proxy.
    function addTask(string calldata task, address registry) external;

    /// @notice Adds a task with a registry the directory deploys itself: an ERC-1967 proxy of
    /// `implementation` at a CREATE2 address (salt = the task id; {registryAddressOf} gives it
    /// beforehand, so the same proposal can grant roles there), initialised with governance as its
    /// only admin, this directory's membership, the task id and `publishers`. No account but
    /// governance ever administered it, which {addTask}'s admin count cannot establish for a
    /// registry someone else deployed. Then as {addTask}. Emits {TaskRegistryCreated}, {TaskAdded}.
    /// @dev Admin only (the timelock). `implementation` is what the vote trusts: voters check it is
    /// the deployment's registry implementation (or one the consortium reviewed).
    /// @param publishers Accounts granted PUBLISHER_ROLE at initialisation.
    /// @return registry The new registry proxy.
    function createTask(string calldata task, address implementation, address[] calldata publishers)
        external
        returns (address registry);

    /// @notice Where {createTask} will deploy the registry of `task` with these arguments.
    function registryAddressOf(string calldata task, address implementation, address[] calldata publishers)
        external
        view
        returns (address);

    /// @notice Brings every task's registry back in step with the Membership after the directory
    /// missed changes (governance pointed the Membership's observer elsewhere and back, so
    /// admissions and removals of that time reached no registry): undoes each of `removed` in
    /// every registry that still holds that account as a member of that institution, then tells
    /// every registry of every current member. Emits {RegistriesResynced}.
    /// @dev Anyone may call it: it only makes the registries agree with the Membership. A removal
    /// whose institution the Membership still has reverts {TaskDirectoryStillMember}; one no
    /// registry holds changes nothing. A removal some registry held is also remembered for
    /// registries added later (as those the directory was told of). Reverts {TaskDirectoryNotMembershipObserver}
    /// while the directory is not the observer. The caller finds the removals in the Membership's
    /// `InstitutionRemoved` events; the directory cannot list a registry's members itself.
    function resync(Removal[] calldata removed) external;

    /// @notice The registry of a task; reverts {TaskDirectoryUnknownTask} for an unknown id.
    function registryOf(bytes32 taskId) external view returns (address);

    /// @notice The task a registry serves (0 when it serves none in this directory).
    function taskOf(address registry) external view returns (bytes32);

    /// @notice How many tasks the consortium runs.
    function taskCount() external view returns (uint256);

    /// @notice The task at `index` (in the order they were added; 0 = the first task).
    function taskAt(uint256 index) external view returns (bytes32 taskId, string memory task, address registry);

    /// @notice The membership contract every task's registry follows.
    function membership() external view returns (address);

    /// @notice The governance timelock that must administer every task's registry.
    function governance() external view returns (address);
}
