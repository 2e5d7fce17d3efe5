import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, it } from "node:test";
import { freePort } from "@neuroledger/chain/net";
import { createClient } from "@ponder/client";
import { createSiweMessage } from "viem/siwe";
import { type IndexerHandle, IndexerStartError, startIndexer } from "../../lib/service/index.ts";
import * as schema from "../../ponder.schema.ts";
import { dev } from "../helpers/scenario.ts";
import { type ScenarioStack, startScenarioStack } from "../helpers/stack.ts";

// Issue 11, kinds 4 and 5: Sign-In with Ethereum taken strictly, and no single request that can
// stall the indexer. One chain through the scenario; one indexer in `siwe` mode on PGlite.

let stack: ScenarioStack;
let indexer: IndexerHandle;
let domain: string;
let token: string;

before(async () => {
  stack = await startScenarioStack();
  const port = await freePort();
  domain = `127.0.0.1:${port}`;
  indexer = await stack.indexer({
    schema: "hardening",
    auth: "siwe",
    port,
    siwe: { domain },
    env: { NEUROLEDGER_SIWE_DOMAIN: domain },
  });
});

after(async () => {
  await stack?.stop();
});

type Signed = { message: string; signature: `0x${string}` };

async function nonce(): Promise<string> {
  const res = await fetch(`${indexer.url}/auth/nonce`);
  assert.equal(res.status, 200);
  return ((await res.json()) as { nonce: string }).nonce;
}

async function signed(
  overrides: Partial<Parameters<typeof createSiweMessage>[0]> = {},
  account = dev.auditor,
  edit: (m: string) => string = (m) => m,
): Promise<Signed> {
  const message = edit(
    createSiweMessage({
      domain,
      address: account.address,
      uri: `http://${domain}`,
      version: "1",
      chainId: stack.chain.chainId,
      nonce: await nonce(),
      issuedAt: new Date(Date.now() - 5000),
      ...overrides,
    }),
  );
  return { message, signature: await account.signMessage({ message }) };
}

async function verify(body: Signed, headers: Record<string, string> = {}) {
  const res = await fetch(`${indexer.url}/auth/verify`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

/** node:http, because fetch will not send a Host header of our choosing. */
function postWithHost(path: string, host: string, body: string): Promise<number> {
  const url = new URL(indexer.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: "POST",
        headers: { host, "content-type": "application/json" },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("Sign-In with Ethereum, strictly", () => {
  it("refuses to start in siwe mode without a configured domain", async () => {
    await assert.rejects(
      startIndexer({
        rpcUrl: stack.chain.rpcUrl,
        chainId: stack.chain.chainId,
        deploymentFile: stack.deploymentFile,
        pgliteDir: `${stack.tmp}/pglite-no-domain`,
        schema: "no_domain",
        auth: "siwe",
        waitFor: "health",
        timeoutMs: 60_000,
      }).then(async (h) => {
        await h.stop();
        return h;
      }),
      (e: unknown) => e instanceof IndexerStartError && /NEUROLEDGER_SIWE_DOMAIN/.test(e.message),
    );
  });

  it("signs in an auditor with a message for the configured domain", async () => {
    const result = await verify(await signed());
    assert.equal(result.status, 200, JSON.stringify(result.body));
    token = result.body.token;
    const downloads = await fetch(`${indexer.auditUrl}/downloads`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(downloads.status, 200);
  });

  it("hands out unpredictable nonces: two in a row share nothing", async () => {
    const [a, b] = [await nonce(), await nonce()];
    assert.notEqual(a, b);
    for (let i = 0; i + 8 <= 32; i++) assert.ok(!b.includes(a.slice(i, i + 8)), `${a} / ${b}`);
  });

  it("takes the domain from configuration, never from the Host header", async () => {
    const evil = await signed({ domain: "evil.example", uri: "http://evil.example" });
    assert.equal(await postWithHost("/auth/verify", "evil.example", JSON.stringify(evil)), 401);
    const nonceBody = await (await fetch(`${indexer.url}/auth/nonce`, { headers: {} })).json();
    assert.equal((nonceBody as { domain: string }).domain, domain);
    // A URI on another site is refused too.
    const offSite = await verify(await signed({ uri: "https://evil.example/" }));
    assert.equal(offSite.status, 401);
    assert.match(offSite.body.error, /URI/);
  });

  it("refuses a passed Expiration Time placed after Not Before, and an Issued At in the future", async () => {
    const outOfOrder = await verify(
      await signed(
        { notBefore: new Date(Date.now() - 1000) },
        dev.auditor,
        (m) => `${m}\nExpiration Time: 2021-01-01T00:00:00.000Z`,
      ),
    );
    assert.notEqual(outOfOrder.status, 200);
    assert.match(outOfOrder.body.error, /not a valid EIP-4361 message/);
    const future = await verify(await signed({ issuedAt: new Date(Date.now() + 3_600_000) }));
    assert.equal(future.status, 401);
    assert.match(future.body.error, /future/);
    const notYet = await verify(await signed({ notBefore: new Date(Date.now() + 600_000) }));
    assert.equal(notYet.status, 401);
    const lower = await verify(
      await signed({}, dev.auditor, (m) =>
        m.replace(dev.auditor.address, dev.auditor.address.toLowerCase()),
      ),
    );
    assert.equal(lower.status, 400);
  });

  it("accepts each nonce once, and only nonces it issued", async () => {
    const body = await signed();
    assert.equal((await verify(body)).status, 200);
    const replay = await verify(body);
    assert.equal(replay.status, 401);
    assert.match(replay.body.error, /nonce already used/);
    const made = await verify(await signed({ nonce: "a".repeat(76) }));
    assert.equal(made.status, 401);
    assert.match(made.body.error, /not issued by this API/);
  });

  it("cannot be locked out by a flood of anonymous nonce requests", async () => {
    const early = await signed(); // nonce taken before the flood
    // More than any bounded store of outstanding nonces would keep (the old one kept 10,000).
    for (let round = 0; round < 101; round++) {
      await Promise.all(
        Array.from({ length: 100 }, () =>
          fetch(`${indexer.url}/auth/nonce`).then((r) => r.arrayBuffer()),
        ),
      );
    }
    assert.equal((await verify(early)).status, 200);
    assert.equal((await verify(await signed())).status, 200);
  });

  it("ends a session on sign-out, server-side", async () => {
    const fresh = (await verify(await signed({}, dev.staff))).body.token as string;
    const auth = { authorization: `Bearer ${fresh}` };
    assert.equal((await fetch(`${indexer.url}/auth/session`, { headers: auth })).status, 200);
    const out = await fetch(`${indexer.url}/auth/logout`, { method: "POST", headers: auth });
    assert.equal(((await out.json()) as { signedOut: boolean }).signedOut, true);
    const after = await fetch(`${indexer.auditUrl}/downloads`, { headers: auth });
    assert.equal(after.status, 401);
    assert.match(((await after.json()) as { error: string }).error, /sign-out/);
  });

  it("ends a session no later than the signed message's Expiration Time", async () => {
    const result = await verify(await signed({ expirationTime: new Date(Date.now() + 2000) }));
    assert.equal(result.status, 200);
    assert.ok(Date.parse(result.body.expiresAt) <= Date.now() + 2000);
    await new Promise((r) => setTimeout(r, 2500));
    const res = await fetch(`${indexer.auditUrl}/downloads`, {
      headers: { authorization: `Bearer ${result.body.token}` },
    });
    assert.equal(res.status, 401);
  });
});

describe("no single request stalls the indexer", () => {
  const gql = async (query: string) => {
    const started = Date.now();
    const res = await fetch(indexer.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query }),
    });
    return {
      status: res.status,
      body: (await res.json()) as Record<string, any>,
      ms: Date.now() - started,
    };
  };

  /** downloads -> model -> downloads -> model ... `levels` list levels deep. */
  const nested = (levels: number, limit = "") => {
    let inner = "id";
    for (let i = 0; i < levels; i++)
      inner = `downloads${limit} { items { id model { id ${inner.startsWith("downloads") ? inner : ""} } } }`;
    return `{ ${inner} }`;
  };

  it("answers an ordinary nested query", async () => {
    const { status, body } = await gql(
      "{ models(limit: 20) { items { id downloads(limit: 20) { items { account } } } totalCount } }",
    );
    assert.equal(status, 200, JSON.stringify(body));
    assert.ok(body.data.models.items.length > 0);
  });

  it("refuses the 4-level nested query, and deeper and wider ones, fast with 400 and the reason", async () => {
    const queries = [
      nested(4),
      nested(6),
      nested(3, "(limit: 1000)"),
      `{ ${Array.from({ length: 6 }, (_, i) => `a${i}: downloads(limit: 1000) { items { id model { id } } }`).join(" ")} }`,
      `{ ${Array.from({ length: 12 }, (_, i) => `a${i}: downloads(limit: 1) { items { id } }`).join(" ")} }`,
      "query($n: Int) { models(limit: $n) { items { downloads(limit: $n) { items { model { id } } } } } }",
    ];
    for (const query of queries) {
      const { status, body, ms } = await gql(query);
      assert.equal(status, 400, `${query}\n${JSON.stringify(body)}`);
      assert.match(body.error, /^bad request: /);
      assert.ok(ms < 2000, `refused in ${ms} ms`);
    }
  });

  it("answers malformed and invalid GraphQL with 400, never 500", async () => {
    for (const body of [
      "{",
      '{"query": 1}',
      '[{"query":"{ models { totalCount } }"}]',
      '{"query":"{ models { items { id }"}',
      '{"query":"{ nope }"}',
    ]) {
      const res = await fetch(indexer.graphqlUrl, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body,
      });
      assert.equal(res.status, 400, body);
      assert.match(((await res.json()) as { error: string }).error, /^bad request: /);
    }
  });

  it("serves bounded SQL, and refuses writes, malformed, unbounded or looping SQL with 400", async () => {
    const client = createClient(indexer.sqlUrl, { schema });
    // @ponder/client has no way to send the token: it goes as the cookie of a fetch wrapper.
    const sqlGet = async (sql: string) => {
      const url = new URL(`${indexer.sqlUrl}/db`);
      url.searchParams.set("sql", JSON.stringify({ json: { sql, params: [] } }));
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      return { status: res.status, text: await res.text() };
    };
    void client;
    const ok = await sqlGet('select id from "download" limit 5');
    assert.equal(ok.status, 200, ok.text);
    const cases: [string, RegExp][] = [
      ['delete from "download"', /only SELECT/],
      ['select * from "download"; select 1', /one statement/],
      ["select * frm download", /does not parse/],
      [
        `select count(*) from ${Array.from({ length: 8 }, (_, i) => `"download" t${i}`).join(", ")}`,
        /planned cost|rows/,
      ],
      [
        'select * from "download" a, "download" b, "download" c, "download" d, "download" e',
        /planned cost|rows/,
      ],
      [
        "with recursive t(n) as (select 1 union all select n + 1 from t) select count(*) from t",
        /recursive/,
      ],
      ["select * from generate_series(1, 100000000)", /functions in FROM/],
      ["select repeat('x', 1000000000)", /repeat\(\) is not served/],
      ['select * from "no_such_table"', /no_such_table|does not exist/],
    ];
    for (const [sql, reason] of cases) {
      const started = Date.now();
      const { status, text } = await sqlGet(sql);
      assert.equal(status, 400, `${sql}: ${text}`);
      assert.match(text, reason, sql);
      assert.ok(Date.now() - started < 2000, `${sql} refused in ${Date.now() - started} ms`);
    }
    const malformed = await fetch(`${indexer.sqlUrl}/db?sql=%7Bnot-json`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(malformed.status, 400);
  });

  it("refuses audit pages past what it serves with 400", async () => {
    for (const q of [
      "pageSize=1001",
      "page=100000000000",
      "page=0",
      "from=2026-01-01&to=2025-01-01",
    ]) {
      const res = await fetch(`${indexer.auditUrl}/downloads?${q}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(res.status, 400, q);
    }
  });
});
