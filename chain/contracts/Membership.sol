// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {ERC721Upgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC721/ERC721Upgradeable.sol";
import {ERC721VotesUpgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC721/extensions/ERC721VotesUpgradeable.sol";
import {EIP712Upgradeable} from "@openzeppelin/contracts-upgradeable/utils/cryptography/EIP712Upgradeable.sol";
import {IMembership} from "./interfaces/IMembership.sol";
import {IMembershipObserver} from "./interfaces/IMembershipObserver.sol";

/// @title Membership
/// @notice One locked ERC-721 per institution, one vote each. The clock is the block timestamp,
/// so governance delays are in seconds on any chain (Hardhat, anvil, Besu QBFT).
/// @custom:security-contact security@neuroledger.invalid
contract Membership is
    Initializable,
    ERC721Upgradeable,
    EIP712Upgradeable,
    ERC721VotesUpgradeable,
    AccessControlUpgradeable,
    UUPSUpgradeable,
    IMembership
{
    /// @notice Longest institution name, in UTF-8 bytes: profiles are stored and emitted, and an
    /// unbounded name costs every reader (a 20,000-character name once took 14 M gas to admit).
    uint256 public constant MAX_NAME_BYTES = 128;
    /// @notice Longest metadata URI, in bytes.
    uint256 public constant MAX_URI_BYTES = 512;

    /// @dev ERC-5192 interface id.
    bytes4 private constant _ERC5192_INTERFACE_ID = 0xb45a3c0e;

    /// @custom:storage-location erc7201:neuroledger.storage.Membership
    struct MembershipStorage {
        uint256 nextId;
        uint256 memberCount;
        address observer;
        mapping(address account => uint256) institutionOf;
        mapping(uint256 institutionId => Institution) institutions;
    }

    // keccak256(abi.encode(uint256(keccak256("neuroledger.storage.Membership")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant _STORAGE_SLOT = 0xf98efc7a6d9611c0c8d4f7acf772ebfcecc9740a38994d5d8b979919f59f5800;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Sets the admin (the timelock, or the deployer until it hands over).
    function initialize(address admin, string calldata tokenName, string calldata tokenSymbol) external initializer {
        if (admin == address(0)) revert MembershipZeroAddress();
        __ERC721_init(tokenName, tokenSymbol);
        __EIP712_init(tokenName, "1");
        __ERC721Votes_init();
        __AccessControl_init();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _storage().nextId = 1;
    }

    /// @inheritdoc IMembership
    function admit(address account, string calldata name, string calldata metadataURI)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
        returns (uint256 institutionId)
    {
        if (account == address(0)) revert MembershipZeroAddress();
        _checkProfile(name, metadataURI);
        if (balanceOf(account) != 0) revert MembershipAlreadyMember(account);
        MembershipStorage storage $ = _storage();
        institutionId = $.nextId;
        ++$.nextId;
        $.institutionOf[account] = institutionId;
        $.institutions[institutionId] =
            Institution({account: account, admittedAt: uint64(block.timestamp), name: name, metadataURI: metadataURI});
        ++$.memberCount;
        _mint(account, institutionId);
        emit Locked(institutionId);
        emit InstitutionAdmitted(institutionId, account, name, metadataURI);
        _notify(account, institutionId, true);
    }

    /// @inheritdoc IMembership
    function remove(uint256 institutionId) external onlyRole(DEFAULT_ADMIN_ROLE) {
        address account = _ownerOf(institutionId);
        if (account == address(0)) revert MembershipUnknownInstitution(institutionId);
        MembershipStorage storage $ = _storage();
        delete $.institutionOf[account];
        delete $.institutions[institutionId];
        --$.memberCount;
        _burn(institutionId);
        emit InstitutionRemoved(institutionId, account);
        _notify(account, institutionId, false);
    }

    /// @inheritdoc IMembership
    function updateProfile(uint256 institutionId, string calldata name, string calldata metadataURI) external {
        address account = _ownerOf(institutionId);
        if (account == address(0)) revert MembershipUnknownInstitution(institutionId);
        if (msg.sender != account && !hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) {
            revert MembershipNotProfileEditor(msg.sender, institutionId);
        }
        _checkProfile(name, metadataURI);
        Institution storage profile = _storage().institutions[institutionId];
        profile.name = name;
        profile.metadataURI = metadataURI;
        emit InstitutionProfileUpdated(institutionId, name, metadataURI);
    }

    /// @inheritdoc IMembership
    function setObserver(address newObserver) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (newObserver == address(0)) revert MembershipZeroAddress();
        // Every task registry accepts membership changes from the observer (issue 15).
        if (newObserver.code.length == 0) revert MembershipObserverNotAContract(newObserver);
        MembershipStorage storage $ = _storage();
        emit ObserverChanged($.observer, newObserver);
        $.observer = newObserver;
    }

    /// @inheritdoc IMembership
    function observer() external view returns (address) {
        return _storage().observer;
    }

    /// @inheritdoc IMembership
    function institutionOf(address account) external view returns (uint256) {
        return _storage().institutionOf[account];
    }

    /// @inheritdoc IMembership
    function isMember(address account) external view returns (bool) {
        return balanceOf(account) != 0;
    }

    /// @inheritdoc IMembership
    function institution(uint256 institutionId) external view returns (Institution memory) {
        if (_ownerOf(institutionId) == address(0)) revert MembershipUnknownInstitution(institutionId);
        return _storage().institutions[institutionId];
    }

    /// @inheritdoc IMembership
    function memberCount() external view returns (uint256) {
        return _storage().memberCount;
    }

    /// @inheritdoc IMembership
    function locked(uint256 tokenId) external view returns (bool) {
        _requireOwned(tokenId);
        return true;
    }

    /// @notice Delegation is fixed to self: each institution keeps exactly its one vote.
    function delegate(address) public pure override {
        revert MembershipDelegationDisabled();
    }

    /// @notice Delegation is fixed to self: each institution keeps exactly its one vote.
    function delegateBySig(address, uint256, uint256, uint8, bytes32, bytes32) public pure override {
        revert MembershipDelegationDisabled();
    }

    /// @notice Votes are counted by timestamp (ERC-6372).
    function clock() public view override returns (uint48) {
        return uint48(block.timestamp);
    }

    /// @notice ERC-6372 clock description.
    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() public pure override returns (string memory) {
        return "mode=timestamp";
    }

    /// @inheritdoc ERC721Upgradeable
    function supportsInterface(bytes4 interfaceId)
        public
        view
        override(ERC721Upgradeable, AccessControlUpgradeable)
        returns (bool)
    {
        return interfaceId == _ERC5192_INTERFACE_ID || super.supportsInterface(interfaceId);
    }

    /// @dev Only mints and burns: a transfer would move a vote.
    function _update(address to, uint256 tokenId, address auth)
        internal
        override(ERC721Upgradeable, ERC721VotesUpgradeable)
        returns (address from)
    {
        from = _ownerOf(tokenId);
        if (from != address(0) && to != address(0)) revert MembershipNotTransferable(tokenId);
        super._update(to, tokenId, auth);
        // Self-delegate on the first mint so the vote counts at once; a re-admitted account keeps it.
        if (from == address(0) && delegates(to) == address(0)) _delegate(to, to);
    }

    /// @dev Approvals are pointless for a token that cannot move; refuse them (burning clears one).
    function _approve(address to, uint256 tokenId, address auth, bool emitEvent) internal override {
        if (to != address(0)) revert MembershipNotTransferable(tokenId);
        super._approve(to, tokenId, auth, emitEvent);
    }

    /// @dev Operators are pointless for a token that cannot move; refuse them.
    function _setApprovalForAll(address, address, bool) internal pure override {
        revert MembershipNotTransferable(0);
    }

    function _increaseBalance(address account, uint128 amount)
        internal
        override(ERC721Upgradeable, ERC721VotesUpgradeable)
    {
        super._increaseBalance(account, amount);
    }

    function _authorizeUpgrade(address) internal override onlyRole(DEFAULT_ADMIN_ROLE) {}

    function _checkProfile(string calldata name, string calldata metadataURI) private pure {
        uint256 nameLength = bytes(name).length;
        if (nameLength == 0) revert MembershipEmptyName();
        if (nameLength > MAX_NAME_BYTES) revert MembershipNameTooLong(nameLength, MAX_NAME_BYTES);
        uint256 uriLength = bytes(metadataURI).length;
        if (uriLength > MAX_URI_BYTES) revert MembershipURITooLong(uriLength, MAX_URI_BYTES);
    }

    function _notify(address account, uint256 institutionId, bool member) private {
        address current = _storage().observer;
        if (current != address(0)) IMembershipObserver(current).onMembershipChanged(account, institutionId, member);
    }

    function _storage() private pure returns (MembershipStorage storage $) {
        assembly {
            $.slot := _STORAGE_SLOT
        }
    }
}
