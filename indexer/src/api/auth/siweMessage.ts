import { ParsedMessage } from "@spruceid/siwe-parser";
import { type Address, getAddress } from "viem";

/** What a signed message must say to open a session here (all from configuration). */
export type SiweExpectation = {
  /** host[:port] the users see, e.g. `audit.aurora.example`. */
  domain: string;
  /** Origin the message's URI must be on; undefined: http(s)://<domain>. */
  uri: string | undefined;
  chainId: number;
};

export type SiweFields = {
  address: Address;
  nonce: string;
  issuedAt: number;
  expirationTime: number | undefined;
};

export type SiweCheck =
  | { ok: true; fields: SiweFields }
  | { ok: false; status: 400 | 401; error: string; hint: string };

/** Longest message accepted: the ABNF parser's work grows with it. */
export const MAX_MESSAGE_LENGTH = 4096;
/** Clock skew allowed between the signer and this server for Issued At (not for Not Before). */
export const CLOCK_SKEW_MS = 60_000;

const refusal = (
  status: 400 | 401,
  error: string,
  hint: string,
): Extract<SiweCheck, { ok: false }> => ({
  ok: false,
  status,
  error,
  hint,
});

/** Parses with the reference ABNF parser (fields in the order EIP-4361 fixes, each well formed). */
function parseStrict(message: string): ParsedMessage | string {
  if (message.length > MAX_MESSAGE_LENGTH) {
    return `message is ${message.length} characters, at most ${MAX_MESSAGE_LENGTH} accepted`;
  }
  try {
    return new ParsedMessage(message);
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    // Semantic errors name a line ("line 7: invalid version"); a grammar failure gives a parser
    // state: turn it into the line where the grammar stopped matching.
    const named = text.split("\n").find((l) => /^line \d+: /.test(l));
    if (named) return named;
    const matched = Number(/"maxMatched":(\d+)/.exec(text)?.[1] ?? Number.NaN);
    const line = Number.isNaN(matched) ? undefined : message.slice(0, matched).split("\n").length;
    return `${line ? `line ${line}: ` : ""}a field is missing, out of order, repeated or malformed`;
  }
}

const time = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso));

/**
 * Checks an EIP-4361 message strictly against this server's configuration: the ABNF (field order,
 * EIP-55 address, version 1, nonce and dates well formed), then domain, URI (and optional scheme),
 * chain id, Issued At not in the future, Expiration Time not passed, Not Before reached. The nonce
 * and the signature are checked by the caller.
 */
export function checkSiweMessage(
  message: string,
  expected: SiweExpectation,
  now = Date.now(),
): SiweCheck {
  const parsed = parseStrict(message);
  if (typeof parsed === "string") {
    return refusal(
      400,
      `not a valid EIP-4361 message: ${parsed}`,
      "sign a Sign-In with Ethereum message with its fields in the order EIP-4361 fixes",
    );
  }
  const originRefusal = checkOrigin(parsed, expected);
  if (originRefusal) return originRefusal;
  if (parsed.chainId !== expected.chainId) {
    return refusal(
      401,
      `message is for chain ${parsed.chainId}, this API indexes chain ${expected.chainId}`,
      "sign with the consortium chain selected",
    );
  }
  const times = checkTimes(parsed, now);
  if (!times.ok) return times;
  return {
    ok: true,
    fields: {
      address: getAddress(parsed.address),
      nonce: parsed.nonce,
      issuedAt: times.issuedAt,
      expirationTime: times.expirationTime,
    },
  };
}

/** Domain, URI (on this API's origin) and optional scheme; the refusal, or undefined when they match. */
function checkOrigin(parsed: ParsedMessage, expected: SiweExpectation): SiweCheck | undefined {
  const domain = expected.domain.toLowerCase();
  if (parsed.domain.toLowerCase() !== domain) {
    return refusal(
      401,
      `message is for domain "${parsed.domain}", this API is "${expected.domain}"`,
      "sign a message for this API's domain",
    );
  }
  let uri: URL;
  try {
    uri = new URL(parsed.uri);
  } catch {
    return refusal(401, `URI "${parsed.uri}" is not a URL`, "use this site's origin as URI");
  }
  const uriOk = expected.uri
    ? uri.origin === new URL(expected.uri).origin
    : (uri.protocol === "https:" || uri.protocol === "http:") && uri.host === domain;
  if (!uriOk) {
    return refusal(
      401,
      `message URI "${parsed.uri}" is not on ${expected.uri ?? `http(s)://${expected.domain}`}`,
      "use this site's origin as URI",
    );
  }
  if (parsed.scheme !== undefined && `${parsed.scheme}:` !== uri.protocol) {
    return refusal(
      401,
      `message scheme "${parsed.scheme}" does not match its URI`,
      "sign with the scheme of the URI",
    );
  }
  return undefined;
}

/** Issued At not in the future, Expiration Time not passed and after Issued At, Not Before reached. */
function checkTimes(
  parsed: ParsedMessage,
  now: number,
):
  | { ok: true; issuedAt: number; expirationTime: number | undefined }
  | Extract<SiweCheck, { ok: false }> {
  const issuedAt = time(parsed.issuedAt)!;
  if (issuedAt > now + CLOCK_SKEW_MS) {
    return refusal(
      401,
      `message Issued At ${parsed.issuedAt} is in the future`,
      "check the clock of the signing device",
    );
  }
  const expirationTime = time(parsed.expirationTime);
  if (expirationTime !== undefined && expirationTime <= now) {
    return refusal(
      401,
      `message expired at ${parsed.expirationTime}`,
      "sign a new message with a later Expiration Time",
    );
  }
  if (expirationTime !== undefined && expirationTime <= issuedAt) {
    return refusal(
      401,
      `message Expiration Time ${parsed.expirationTime} is not after its Issued At`,
      "sign a message whose Expiration Time follows its Issued At",
    );
  }
  const notBefore = time(parsed.notBefore);
  if (notBefore !== undefined && notBefore > now) {
    return refusal(
      401,
      `message is not valid before ${parsed.notBefore}`,
      "sign in again once that time has come",
    );
  }
  return { ok: true, issuedAt, expirationTime };
}
