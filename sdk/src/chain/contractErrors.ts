import { ContractFunctionRevertedError, BaseError as ViemBaseError } from "viem";
import { ContractRevertError, WeightsAlreadyPublishedError } from "../errors.ts";

/** What to do about the registry's and governor's refusals, by custom error name. */
const HINTS: Record<string, string> = {
  RegistryDownloadNotAuthorized:
    "This account may not download this model: ask its institution to add it as staff, or grant patient access.",
  RegistryNotAuthorizedAccount: "Only members, staff and granted patients may do this.",
  RegistryInvalidWeightsHash:
    "Publish with the weights hash (sdk `weightsHash(onnxBytes)`), not zero.",
  RegistryModelNotActive:
    "The model was evicted or revoked; only the latest model and the top ten are kept.",
  RegistryPaused: "The registry is paused by governance.",
  RegistryPublisherWithoutInstitution: "The publisher account must belong to a member institution.",
  RegistryNotMemberInstitution:
    "Only a member institution's own account may do this (this account is not one, or its institution was removed).",
  RegistryStaffCannotActForInstitution:
    "Staff accounts download and classify; adding staff and granting or revoking patient access is done by the institution's member account.",
  RegistryGrantExpiryTooFar:
    "A patient grant lasts at most 3650 days (MAX_GRANT_DURATION); choose a shorter duration.",
  RegistryGrantExpiryInPast: "The grant's expiry must be in the future.",
  RegistryUnsupportedCidCodec:
    "The registry accepts raw (0x55) and dag-pb (0x70) CIDs only: the codecs the product's IPFS nodes write.",
  RegistryEmptyTestSet:
    "A model is published with test figures on at least one image (metrics.test.n >= 1).",
  RegistryInvalidCardHash: "Publish with the card hash (sdk `cardHash(card)`), not zero.",
  RegistryKeyringUnchanged: "That keyring CID is already the model's current keyring.",
  RegistryContentUnchanged: "A content-key rotation needs a new ciphertext CID.",
  RegistryReasonTooLong: "Shorten the reason to at most 1024 bytes.",
  RegistryMetricOutOfRange: "Metrics are basis points, at most 10000.",
  RegistryUnknownParent: "The parent model id must be a model published before this one (or 0).",
  RegistryInvalidCid: "A CID needs a non-zero sha2-256 digest and codec.",
  MembershipNameTooLong: "An institution name is at most 128 bytes (UTF-8).",
  MembershipURITooLong: "A metadata URI is at most 512 bytes.",
  MembershipEmptyName: "An institution needs a name.",
  RegistryInvalidEncryptionKey:
    "Register a non-zero X25519 public key (derive it with deriveAccountKey).",
  RegistryNotKeyringUpdater:
    "Only accounts of the model's own institution (or, once it left the consortium, of any member) may replace its keyring or rotate its content key.",
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
 * error and its arguments, with a hint (`RegistryWeightsAlreadyPublished` into the
 * {@link WeightsAlreadyPublishedError} a publisher's own check throws); other errors are returned
 * unchanged.
 *
 * @example
 * try { await registry.write.recordDownload([id]) } catch (e) { throw decodeContractError(e) }
 */
export function decodeContractError(error: unknown): unknown {
  if (!(error instanceof ViemBaseError)) return error;
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (!(reverted instanceof ContractFunctionRevertedError) || !reverted.data) return error;
  const { errorName, args = [] } = reverted.data;
  if (errorName === "RegistryWeightsAlreadyPublished") {
    const [weightsHash, modelId] = args as readonly [string, bigint];
    return new WeightsAlreadyPublishedError(modelId, weightsHash, { cause: error });
  }
  const hint = HINTS[errorName];
  return new ContractRevertError(errorName, args, { hints: hint ? [hint] : [], cause: error });
}
