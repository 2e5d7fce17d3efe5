import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createSiweMessage } from "viem/siwe";
import { checkSiweMessage, type SiweExpectation } from "../../src/api/auth/siweMessage.ts";

const address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const expected: SiweExpectation = { domain: "audit.aurora.example", uri: undefined, chainId: 7531 };
const now = Date.UTC(2026, 10, 29, 12);
const nonce = "a1b2c3d4e5f6a7b8";

function message(overrides: Partial<Parameters<typeof createSiweMessage>[0]> = {}) {
  return createSiweMessage({
    domain: "audit.aurora.example",
    address,
    uri: "https://audit.aurora.example",
    version: "1",
    chainId: 7531,
    nonce,
    issuedAt: new Date(now - 10_000),
    ...overrides,
  });
}

const refusal = (m: string, e = expected) => {
  const r = checkSiweMessage(m, e, now);
  assert.equal(r.ok, false, `accepted:\n${m}`);
  return r as Extract<typeof r, { ok: false }>;
};

describe("EIP-4361 messages, checked strictly", () => {
  it("accepts a well-formed message for this domain, URI and chain", () => {
    const r = checkSiweMessage(
      message({ expirationTime: new Date(now + 60_000), notBefore: new Date(now - 1000) }),
      expected,
      now,
    );
    assert.ok(r.ok);
    assert.equal(r.fields.address, address);
    assert.equal(r.fields.nonce, nonce);
    assert.equal(r.fields.expirationTime, now + 60_000);
  });

  it("refuses an Expiration Time in the past wherever it is placed", () => {
    const base = message({ notBefore: new Date(now - 1000) });
    // Out of ABNF order: after Not Before.
    const late = `${base}\nExpiration Time: 2021-01-01T00:00:00.000Z`;
    assert.equal(refusal(late).status, 400);
    assert.match(refusal(late).error, /not a valid EIP-4361 message/);
    // In order, but passed.
    assert.match(refusal(message({ expirationTime: new Date("2021-01-01") })).error, /expired/);
  });

  it("refuses fields out of order, repeated, missing or unknown", () => {
    const base = message({ expirationTime: new Date(now + 60_000) });
    const swapped = base.replace(/(Version: 1)\n(Chain ID: 7531)/, "$2\n$1");
    assert.match(refusal(swapped).error, /line \d+: /);
    assert.equal(refusal(`${base}\nNonce: ${nonce}`).status, 400);
    assert.equal(refusal(base.replace(/Nonce: .*\n/, "")).status, 400);
    assert.equal(refusal(`${base}\nFoo: bar`).status, 400);
    assert.equal(refusal(`${base}\n`).status, 400);
    assert.equal(refusal(base.replace("URI: ", "URI:  ")).status, 400);
  });

  it("validates every field's form: checksum address, version 1, nonce, dates", () => {
    assert.match(refusal(message().replace(address, address.toLowerCase())).error, /EIP-55/);
    assert.match(refusal(message().replace("Version: 1", "Version: 2")).error, /version/);
    assert.match(refusal(message().replace(`Nonce: ${nonce}`, "Nonce: abc")).error, /nonce/);
    assert.match(
      refusal(message().replace(/Issued At: .*/, "Issued At: 2026-02-30T00:00:00Z")).error,
      /issued-at/,
    );
    assert.equal(refusal("x".repeat(5000)).status, 400);
  });

  it("refuses another domain, a URI off this site, another scheme and another chain", () => {
    assert.match(refusal(message({ domain: "evil.example" })).error, /domain "evil.example"/);
    assert.match(refusal(message({ uri: "https://evil.example/login" })).error, /URI/);
    assert.match(refusal(message({ uri: "https://audit.aurora.example:8443" })).error, /URI/);
    assert.match(refusal(message({ scheme: "http" })).error, /scheme/);
    assert.match(refusal(message({ chainId: 1 })).error, /chain 1/);
    // A configured origin pins the scheme too.
    const pinned = { ...expected, uri: "https://audit.aurora.example" };
    assert.ok(
      checkSiweMessage(message({ uri: "https://audit.aurora.example/audit" }), pinned, now).ok,
    );
    assert.match(refusal(message({ uri: "http://audit.aurora.example" }), pinned).error, /URI/);
  });

  it("refuses Issued At in the future (beyond a minute of skew) and honours Not Before", () => {
    assert.ok(checkSiweMessage(message({ issuedAt: new Date(now + 30_000) }), expected, now).ok);
    assert.match(refusal(message({ issuedAt: new Date(now + 3_600_000) })).error, /future/);
    assert.match(refusal(message({ notBefore: new Date(now + 5_000) })).error, /not valid before/);
    assert.match(
      refusal(message({ issuedAt: new Date(now - 1000), expirationTime: new Date(now - 2000) }))
        .error,
      /expired/,
    );
  });
});
