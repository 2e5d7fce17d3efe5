// Governor proposal descriptions, shared by the CLI and the web app.
//
// OpenZeppelin's Governor derives a proposal's id from (targets, values, calldatas,
// keccak256(description)), and its timelock salt from the description too. Two proposals with the
// same calls and the same text therefore collide: granting a role, revoking it and granting it
// again, re-admitting a removed institution, or retrying a defeated admission would all revert
// with `GovernorUnexpectedProposalState`. Every description ends with a line that makes it unique.

/** Prefix of the line that makes a description unique (`Proposed <ISO time> · ref <hex>`). */
export const PROPOSAL_REF_PREFIX = "Proposed " as const;

const REF_LINE = /\n\nProposed (\S+) · ref ([0-9a-f]{16})$/;

export interface ProposalDescriptionOptions {
  /** Free text that explains the proposal (the web form's "reason"); kept between title and ref. */
  reason?: string;
  /** When it was proposed (default now); shown to voters, not trusted for anything. */
  now?: Date;
  /** 8 random bytes as 16 hex digits (default: from the platform CSPRNG); tests may fix it. */
  ref?: string;
}

/**
 * A Governor description for `title` that no earlier proposal has: the title (first line, what
 * lists show), the optional reason, then `Proposed <ISO time> · ref <16 hex digits>` with 64
 * random bits, so identical actions proposed again get a new proposal id and timelock salt.
 * Works in Node and browsers (WebCrypto's `getRandomValues`).
 *
 * @example
 * proposalDescription("Grant publisher role to 0xabc…")
 * // "Grant publisher role to 0xabc…\n\nProposed 2026-11-29T20:30:00.000Z · ref 9f86d081884c7d65"
 */
export function proposalDescription(
  title: string,
  options: ProposalDescriptionOptions = {},
): string {
  const heading = title.trim();
  if (!heading) throw new Error("a proposal needs a title");
  if (heading.includes("\n")) throw new Error("a proposal title is one line");
  const ref = options.ref ?? randomRef();
  if (!/^[0-9a-f]{16}$/.test(ref)) throw new Error(`a proposal ref is 16 hex digits, got ${ref}`);
  const reason = options.reason?.trim();
  const when = (options.now ?? new Date()).toISOString();
  return `${heading}${reason ? `\n\n${reason}` : ""}\n\n${PROPOSAL_REF_PREFIX}${when} · ref ${ref}`;
}

/** The parts of a description {@link proposalDescription} wrote; `ref` is undefined for others. */
export function parseProposalDescription(description: string): {
  title: string;
  proposedAt?: string;
  ref?: string;
} {
  const match = REF_LINE.exec(description);
  const title = description.split("\n")[0] ?? "";
  return match ? { title, proposedAt: match[1], ref: match[2] } : { title };
}

function randomRef(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
