import { ContractFunctionRevertedError, BaseError as ViemBaseError } from "viem";
import { ContractRevertError } from "../errors.ts";

/** What to do about the registry's and governor's refusals, by custom error name. */
const HINTS: Record<string, string> = {
  RegistryDownloadNotAuthorized:
    "This account may not download this model: ask its institution to add it as staff, or grant patient access.",
  RegistryNotAuthorizedAccount: "Only members, staff and granted patients may do this.",
  RegistryShaAlreadyPublished:
    "A model with this sha256 is already in the registry; publish a new model version instead.",
  RegistryModelNotActive:
    "The model was evicted or revoked; only the latest model and the top ten are kept.",
  RegistryPaused: "The registry is paused by governance.",
  RegistryPublisherWithoutInstitution: "The publisher account must belong to a member institution.",
  RegistryNotMemberInstitution: "The account's institution is not (or no longer) a member.",
  RegistryInvalidEncryptionKey:
    "Register a non-zero X25519 public key (derive it with deriveAccountKey).",
  RegistryNotKeyringUpdater: "Only a node of a member institution may update a model's keyring.",
  RegistryTaskMismatch: "The card's task does not match the registry's task.",
  AccessControlUnauthorizedAccount:
    "The account lacks the role this call needs; roles are granted by governance.",
  SafeCastOverflowedUintDowncast:
    "A number is larger than the registry stores (its first argument is the limit in bits); check the value you passed.",
  GovernorUnexpectedProposalState:
    "The proposal is not in a state that allows this (states: 0 Pending, 1 Active, 2 Canceled, 3 Defeated, 4 Succeeded, 5 Queued, 6 Expired, 7 Executed).",
  GovernorNonexistentProposal: "No proposal has this id on this governor.",
  GovernorAlreadyCastVote: "This account has already voted on this proposal.",
  GovernorInsufficientProposerVotes:
    "Only a member institution's account (it holds the membership vote) may propose.",
};

/**
 * Turns a viem error from a contract call into a {@link ContractRevertError} naming the custom
 * error and its arguments, with a hint; other errors are returned unchanged.
 *
 * @example
 * try { await registry.write.recordDownload([id]) } catch (e) { throw decodeContractError(e) }
 */
export function decodeContractError(error: unknown): unknown {
  if (!(error instanceof ViemBaseError)) return error;
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (!(reverted instanceof ContractFunctionRevertedError) || !reverted.data) return error;
  const { errorName, args = [] } = reverted.data;
  const hint = HINTS[errorName];
  return new ContractRevertError(errorName, args, { hints: hint ? [hint] : [], cause: error });
}
