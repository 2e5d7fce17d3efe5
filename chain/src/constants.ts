/** The model card's task (docs/interfaces.md section 4). */
export const TASK = "brain-tumor-mri/binary" as const;
/** keccak256(bytes(TASK)): the registry's task id. */
export const TASK_ID =
  "0xf0ff5539237c38647f7092e868361db915aff583fe104a09366be1d2b4426e38" as const;
/** The tumor-type task (docs/interfaces.md section 14): glioma, meningioma, no_tumor, pituitary. */
export const TYPE_TASK = "brain-tumor-mri/type" as const;
/** keccak256(bytes(TYPE_TASK)). */
export const TYPE_TASK_ID =
  "0x67c4a5f66f84b192be80030eaf082febf72a5a9ec1561e1d81b44a792aef02d3" as const;
/** The tasks a new consortium runs, in directory order (the first is `TASK`, whose registry is
 * also `contracts.registry`). */
export const DEFAULT_TASKS = [TASK, TYPE_TASK] as const;
/** Metrics on chain are basis points: round(fraction * 10000). */
export const BPS = 10_000;
/** Size of the ranked list. */
export const TOP_SIZE = 10;
/** `rank` of a ModelPublished event whose model did not enter the top ten. */
export const NOT_RANKED = 255;
/** Multicodec codes the registry sees in `Cid.codec` (a CIDv1 with a sha2-256 multihash). */
export const CID_CODEC = {
  raw: 0x55,
  dagPb: 0x70,
  dagCbor: 0x71,
  dagJson: 0x0129,
  json: 0x0200,
} as const;
/** Multihash code of sha2-256 (the only hash the registry stores). */
export const SHA2_256 = 0x12;
/** OpenZeppelin Governor's `ProposalState`, by index (what `ConsortiumGovernor.state` returns). */
export const PROPOSAL_STATES = [
  "Pending",
  "Active",
  "Canceled",
  "Defeated",
  "Succeeded",
  "Queued",
  "Expired",
  "Executed",
] as const;
export type ProposalState = (typeof PROPOSAL_STATES)[number];
/** EVM version the contracts are compiled for (Besu supports it). */
export const EVM_VERSION = "cancun" as const;
