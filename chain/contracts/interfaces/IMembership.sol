// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IMembership
/// @notice Consortium membership: one non-transferable (ERC-5192 locked) ERC-721 token per
/// institution, carrying exactly one vote (self-delegated on mint). Tokens are minted and burned
/// only by the admin, which after deployment is the governance timelock.
interface IMembership {
    /// @notice An institution's public profile.
    struct Institution {
        address account;
        uint64 admittedAt;
        string name;
        string metadataURI;
    }

    /// @notice ERC-5192: the token is bound to its holder for good.
    event Locked(uint256 tokenId);

    /// @notice An institution was admitted (its token minted to `account`).
    event InstitutionAdmitted(uint256 indexed institutionId, address indexed account, string name, string metadataURI);

    /// @notice An institution was removed (its token burned).
    event InstitutionRemoved(uint256 indexed institutionId, address indexed account);

    /// @notice An institution's profile changed.
    event InstitutionProfileUpdated(uint256 indexed institutionId, string name, string metadataURI);

    /// @notice The observer told about admissions and removals changed.
    event ObserverChanged(address indexed previousObserver, address indexed newObserver);

    /// @notice Membership tokens never move between accounts.
    error MembershipNotTransferable(uint256 tokenId);

    /// @notice Votes stay with the institution that holds the token.
    error MembershipDelegationDisabled();

    /// @notice The account already holds a membership token.
    error MembershipAlreadyMember(address account);

    /// @notice No institution with this id is a member.
    error MembershipUnknownInstitution(uint256 institutionId);

    /// @notice An institution needs a name.
    error MembershipEmptyName();

    /// @notice An institution name longer than {MAX_NAME_BYTES} (UTF-8 bytes).
    error MembershipNameTooLong(uint256 length, uint256 maxLength);

    /// @notice A metadata URI longer than {MAX_URI_BYTES}.
    error MembershipURITooLong(uint256 length, uint256 maxLength);

    /// @notice The observer must be a contract: every task registry accepts membership changes
    /// from it, so an account without code (a mistyped address) could forge them.
    error MembershipObserverNotAContract(address observer);

    /// @notice The zero address cannot be an institution or an observer.
    error MembershipZeroAddress();

    /// @notice Only the institution itself or the admin may edit a profile.
    error MembershipNotProfileEditor(address caller, uint256 institutionId);

    /// @notice Mints a membership token to `account`, self-delegating its vote.
    /// @dev Admin only (the timelock after deployment).
    /// @return institutionId The new token id (ids start at 1).
    function admit(address account, string calldata name, string calldata metadataURI)
        external
        returns (uint256 institutionId);

    /// @notice Burns an institution's token; its vote is gone from the next timepoint on.
    /// @dev Admin only (the timelock after deployment).
    function remove(uint256 institutionId) external;

    /// @notice Updates an institution's profile. Callable by the institution or the admin.
    function updateProfile(uint256 institutionId, string calldata name, string calldata metadataURI) external;

    /// @notice Sets the contract told about admissions and removals (the TaskDirectory, or the model
    /// registry of a deployment made before tasks). Every task registry also accepts membership
    /// changes from it.
    /// @dev Admin only; a zero address or an account without code is refused.
    function setObserver(address observer) external;

    /// @notice The observer told about admissions and removals.
    function observer() external view returns (address);

    /// @notice The institution id held by `account`, or 0 when it is not a member.
    function institutionOf(address account) external view returns (uint256);

    /// @notice Whether `account` holds a membership token.
    function isMember(address account) external view returns (bool);

    /// @notice An institution's profile; reverts for an unknown id.
    function institution(uint256 institutionId) external view returns (Institution memory);

    /// @notice Number of current members (equals the total voting power).
    function memberCount() external view returns (uint256);

    /// @notice ERC-5192: always true for an existing token.
    function locked(uint256 tokenId) external view returns (bool);
}
