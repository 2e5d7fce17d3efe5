// The production server (server.js over the built app) against a real chain node (anvil): what its
// proxies forward, what they refuse, and the security headers of every kind of response.
// Needs a build (`pnpm -C web build`); run with `pnpm -C web test:server`.
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type Server,
} from "node:http";
import { connect } from "node:net";
import { join } from "node:path";
import { type LocalNode, startLocalNode } from "@neuroledger/chain/deploy";
import { createSiweMessage } from "viem/siwe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const webRoot = join(import.meta.dirname, "..");
const clientDir = join(webRoot, "build/client");

let anvil: LocalNode;
let web: ChildProcess;
let webUrl: string;
let upstream: Server;
let upstreamUrl: string;
/** Every request the fake-free "indexer" upstream received: method, raw URL and headers. */
const reachedIndexer: {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}[] = [];
const gateway = "http://127.0.0.1:5999";

/** JSON-RPC straight to anvil (not through the proxy), to see what really changed. */
async function anvilCall(method: string, params: unknown[] = []) {
  const response = await fetch(anvil.url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  return ((await response.json()) as { result: unknown }).result;
}

/** POST to the proxy's /rpc. */
async function rpc(body: unknown, contentType = "application/json") {
  const response = await fetch(`${webUrl}/rpc`, {
    method: "POST",
    headers: { "content-type": contentType },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

const call = (method: string, params: unknown[] = [], id: number | string = 1) => ({
  jsonrpc: "2.0",
  id,
  method,
  params,
});

/** A raw HTTP request (paths and headers exactly as given: no client-side normalisation). */
function raw(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  const { hostname, port } = new URL(webUrl);
  const sized =
    body === undefined
      ? headers
      : { ...headers, "content-length": String(Buffer.byteLength(body)) };
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, method, path, headers: sized }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => {
        text += chunk;
      });
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }),
      );
    });
    req.on("error", reject);
    req.end(body);
  });
}

beforeAll(async () => {
  if (!existsSync(join(webRoot, "build/handler.js"))) {
    throw new Error("web/ is not built: run `pnpm -C web build` first");
  }
  anvil = await startLocalNode({ blockTime: 0 });
  upstream = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      reachedIndexer.push({
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body,
      });
      res.setHeader("content-type", "application/json");
      res.setHeader("set-cookie", "nl_session=upstream-cookie; HttpOnly");
      res.setHeader("x-upstream-secret", "should not pass");
      res.end(JSON.stringify({ ok: true, path: req.url }));
    });
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as { port: number }).port}/base/`;
  const env: Record<string, string | undefined> = {
    ...process.env,
    NEUROLEDGER_RPC_URL: anvil.url,
    NEUROLEDGER_CHAIN_ID: "31337",
    NEUROLEDGER_INDEXER_URL: upstreamUrl,
    NEUROLEDGER_GATEWAYS: JSON.stringify({ default: gateway }),
    NEUROLEDGER_STACK: undefined,
    NEUROLEDGER_DEPLOYMENT: undefined,
    NEUROLEDGER_SIWE_DOMAIN: undefined,
  };
  web = spawn(process.execPath, [join(webRoot, "server.js"), "--port", "0"], {
    env: env as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  webUrl = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`server.js did not start: ${out}`)), 30_000);
    const onData = (chunk: Buffer) => {
      out += chunk;
      const match = out.match(/web app at (http:\/\/127\.0\.0\.1:\d+)/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    };
    web.stdout?.on("data", onData);
    web.stderr?.on("data", onData);
    web.once("exit", (code) => reject(new Error(`server.js exited (${code}): ${out}`)));
  });
}, 60_000);

afterAll(async () => {
  web?.kill("SIGTERM");
  await anvil?.stop();
  await new Promise((r) => upstream?.close(r));
});

describe("/rpc forwards only what the app and wallets need", () => {
  it("forwards allowed reads, one call or a batch, and answers like the node", async () => {
    const one = await rpc(call("eth_chainId"));
    expect(one.status).toBe(200);
    expect(one.body).toEqual({ jsonrpc: "2.0", id: 1, result: "0x7a69" });
    const batch = await rpc([call("eth_chainId", [], "a"), call("eth_blockNumber", [], "b")]);
    expect(batch.status).toBe(200);
    expect((batch.body as { id: string }[]).map((r) => r.id).sort()).toEqual(["a", "b"]);
  });

  it("refuses the issue's attack: setBalance, impersonate the timelock, eth_sendTransaction", async () => {
    const victim = "0x00000000000000000000000000000000000000a1";
    const timelock = "0x00000000000000000000000000000000000000b2";
    const before = await anvilCall("eth_getBalance", [victim, "latest"]);
    const steps = [
      call("anvil_setBalance", [victim, "0xde0b6b3a7640000"]),
      call("anvil_impersonateAccount", [timelock]),
      call("eth_sendTransaction", [{ from: timelock, to: victim, data: "0x2f2ff15d" }]),
    ];
    for (const step of steps) {
      const { status, body } = await rpc(step);
      expect(status, step.method).toBe(403);
      expect(body.error.message).toContain(step.method);
      expect(body.error.data).toEqual({ method: step.method });
    }
    expect(await anvilCall("eth_getBalance", [victim, "latest"])).toBe(before);
    // Not impersonated: anvil refuses to send from the "timelock" without a key.
    const direct = await fetch(anvil.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(call("eth_sendTransaction", [{ from: timelock, to: victim }])),
    }).then((r) => r.json() as Promise<{ error?: unknown }>);
    expect(direct.error).toBeDefined();
  });

  const refused = [
    "anvil_setCode",
    "anvil_setStorageAt",
    "anvil_mine",
    "anvil_reset",
    "anvil_dumpState",
    "anvil_setNextBlockBaseFeePerGas",
    "hardhat_setBalance",
    "hardhat_impersonateAccount",
    "evm_mine",
    "evm_increaseTime",
    "evm_snapshot",
    "evm_revert",
    "debug_traceTransaction",
    "debug_traceCall",
    "admin_peers",
    "admin_addPeer",
    "admin_nodeInfo",
    "txpool_content",
    "txpool_besuTransactions",
    "perm_addAccountsToAllowlist",
    "perm_getNodesAllowlist",
    "qbft_proposeValidatorVote",
    "qbft_getValidatorsByBlockNumber",
    "miner_start",
    "miner_setEtherbase",
    "eth_sign",
    "eth_signTransaction",
    "eth_signTypedData_v4",
    "eth_accounts",
    "eth_coinbase",
    "eth_newFilter",
    "eth_subscribe",
    "personal_sign",
    "personal_unlockAccount",
    "personal_importRawKey",
    "web3_clientVersion",
    "rpc_modules",
    "ots_getApiLevel",
    "trace_block",
    "clique_propose",
    "plugins_reloadPluginConfig",
    "ETH_CALL",
    "eth_call ",
    "eth_call\u0000",
    "__proto__",
    "constructor",
    "toString",
    "hasOwnProperty",
    "",
  ];
  it.each(refused)("refuses %j with 403 and the method named", async (method) => {
    const blockBefore = await anvilCall("eth_blockNumber");
    const { status, body } = await rpc(call(method, []));
    expect(status).toBe(403);
    expect(body.jsonrpc).toBe("2.0");
    expect(body.error.code).toBe(-32601);
    expect(body.error.data).toEqual({ method });
    expect(body.error.message).toContain(JSON.stringify(method).slice(1, -1).slice(0, 40));
    expect(await anvilCall("eth_blockNumber")).toBe(blockBefore);
  });

  it("checks every element of a batch: one bad element refuses the whole batch, nothing runs", async () => {
    const victim = "0x00000000000000000000000000000000000000c3";
    for (const at of [0, 1, 2]) {
      const batch = [call("eth_chainId", [], 1), call("eth_blockNumber", [], 2)];
      batch.splice(at, 0, call("anvil_setBalance", [victim, "0x1"], 9));
      const { status, body } = await rpc(batch);
      expect(status).toBe(403);
      expect(body.error.message).toContain(`batch element ${at}`);
      expect(body.error.message).toContain("anvil_setBalance");
    }
    // A batch inside a batch, a non-object element: refused as malformed.
    expect(
      (await rpc([call("eth_chainId"), [call("anvil_setBalance", [victim, "0x1"])]])).status,
    ).toBe(400);
    expect((await rpc([call("eth_chainId"), "anvil_setBalance"])).status).toBe(400);
    expect(await anvilCall("eth_getBalance", [victim, "latest"])).toBe("0x0");
  });

  it("caps a batch at 20 calls and the body at 256 KiB", async () => {
    const ok = await rpc(Array.from({ length: 20 }, (_, i) => call("eth_chainId", [], i)));
    expect(ok.status).toBe(200);
    const tooMany = await rpc(Array.from({ length: 21 }, (_, i) => call("eth_chainId", [], i)));
    expect(tooMany.status).toBe(403);
    expect(tooMany.body.error.message).toMatch(/21 calls.*at most 20/);
    const huge = await rpc(call("eth_call", [{ data: `0x${"00".repeat(200_000)}` }, "latest"]));
    expect(huge.status).toBe(413);
    expect(huge.body.error.message).toMatch(/larger than 262144 bytes/);
    // Without a content-length (chunked), the body is cut off at the limit as well.
    // (The server may close the connection while the rest is still being sent: the status that
    // came back counts.)
    const chunked = await new Promise<number>((resolve, reject) => {
      let status = 0;
      const { hostname, port } = new URL(webUrl);
      const req = httpRequest(
        {
          host: hostname,
          port,
          method: "POST",
          path: "/rpc",
          headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
        },
        (res) => {
          status = res.statusCode ?? 0;
          res.resume();
          resolve(status);
        },
      );
      req.on("error", (error) => (status ? resolve(status) : reject(error)));
      req.write(`{"jsonrpc":"2.0","id":1,"method":"eth_call","params":[{"data":"0x`);
      for (let i = 0; i < 40; i++) req.write("00".repeat(4096));
      req.end(`"}]}`);
    });
    expect(chunked).toBe(413);
  });

  it("refuses what is not JSON-RPC with the reason", async () => {
    const notJson = await rpc("{ not json", "application/json");
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.code).toBe(-32700);
    // text/plain (what a cross-site form or simple fetch can send): SvelteKit's own CSRF check
    // answers 403 before the route; with a same-host Origin the route answers 415.
    const textPlain = await raw("POST", "/rpc", { "content-type": "text/plain" }, "{}");
    expect(textPlain.status).toBe(403);
    const sameHost = await raw(
      "POST",
      "/rpc",
      { "content-type": "text/plain", origin: `https://${new URL(webUrl).host}` },
      JSON.stringify(call("eth_chainId")),
    );
    expect(sameHost.status).toBe(415);
    expect((await rpc([])).status).toBe(400);
    expect((await rpc({ id: 1, method: "eth_chainId" })).status).toBe(400);
    expect((await rpc({ jsonrpc: "2.0", id: 1, method: 7 })).status).toBe(400);
    expect((await rpc({ jsonrpc: "2.0", id: {}, method: "eth_chainId" })).status).toBe(400);
    expect((await rpc({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: {} })).status).toBe(
      400,
    );
    expect((await rpc("null")).status).toBe(400);
    expect((await rpc('"eth_chainId"')).status).toBe(400);
    const get = await raw("GET", "/rpc");
    expect(get.status).toBe(403);
    const put = await raw(
      "PUT",
      "/rpc",
      { "content-type": "application/json" },
      JSON.stringify(call("eth_chainId")),
    );
    expect(put.status).toBe(403);
  });

  it("forwards only what it checked: duplicate keys cannot smuggle a second method", async () => {
    const victim = "0x00000000000000000000000000000000000000d4";
    // Our parser reads the last "method"; a node's parser might read the first.
    const lastWins = `{"jsonrpc":"2.0","id":1,"method":"eth_chainId","method":"anvil_setBalance","params":["${victim}","0x5"]}`;
    expect((await rpc(lastWins)).status).toBe(403);
    const firstBad = `{"jsonrpc":"2.0","id":1,"method":"anvil_setBalance","method":"eth_blockNumber","params":[],"params":["${victim}","0x5"]}`;
    const forwarded = await rpc(firstBad);
    expect(forwarded.status).toBe(200);
    expect(await anvilCall("eth_getBalance", [victim, "latest"])).toBe("0x0");
  });

  it("does not name the upstream node when it does not answer", async () => {
    // A second server whose node is gone: the reason is given, the node's URL is not.
    const down = spawn(process.execPath, [join(webRoot, "server.js"), "--port", "0"], {
      env: {
        ...process.env,
        NEUROLEDGER_RPC_URL: "http://127.0.0.1:9/secret-node",
        NEUROLEDGER_STACK: "",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        setTimeout(() => reject(new Error(out)), 20_000);
        down.stdout?.on("data", (c: Buffer) => {
          out += c;
          const m = out.match(/web app at (\S+)/);
          if (m) resolve(m[1] as string);
        });
      });
      const response = await fetch(`${url}/rpc`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(call("eth_chainId")),
      });
      expect(response.status).toBe(502);
      const text = await response.text();
      expect(text).toContain("did not answer");
      expect(text).not.toContain("secret-node");
      expect(text).not.toContain("127.0.0.1:9");
    } finally {
      down.kill("SIGTERM");
    }
  });
});

describe("/indexer forwards only the app's requests, to the configured indexer", () => {
  it("forwards the app's paths with only the headers they need", async () => {
    reachedIndexer.length = 0;
    const response = await raw("GET", "/indexer/audit/downloads?model=1&page=2", {
      host: "evil.example",
      authorization: "Bearer abc.def",
      cookie: "nl_session=victim",
      "x-forwarded-host": "evil.example",
      "x-forwarded-for": "1.2.3.4",
      accept: "application/json",
    });
    expect(response.status).toBe(200);
    expect(response.headers["set-cookie"]).toBeUndefined();
    expect(response.headers["x-upstream-secret"]).toBeUndefined();
    expect(reachedIndexer).toHaveLength(1);
    const seen = reachedIndexer[0];
    expect(seen?.url).toBe("/base/audit/downloads?model=1&page=2");
    expect(seen?.headers.host).toBe(new URL(upstreamUrl).host);
    expect(seen?.headers.authorization).toBe("Bearer abc.def");
    expect(seen?.headers.cookie).toBeUndefined();
    expect(seen?.headers["x-forwarded-host"]).toBeUndefined();
    expect(seen?.headers["x-forwarded-for"]).toBeUndefined();
    for (const path of [
      "/indexer/auth/nonce",
      "/indexer/audit/models?pageSize=1000",
      "/indexer/audit/models/12/summary",
      "/indexer/audit/models/12/scores",
      "/indexer/audit/evaluations?model=12",
    ]) {
      expect((await raw("GET", path)).status, path).toBe(200);
    }
    expect(reachedIndexer.map((r) => r.url).slice(1)).toEqual([
      "/base/auth/nonce",
      "/base/audit/models?pageSize=1000",
      "/base/audit/models/12/summary",
      "/base/audit/models/12/scores",
      "/base/audit/evaluations?model=12",
    ]);
  });

  const traversals = [
    "/indexer/graphql",
    "/indexer/graphql?query={__schema{types{name}}}",
    "/indexer/sql/db",
    "/indexer/status",
    "/indexer/ready",
    "/indexer/audit",
    "/indexer/audit/",
    "/indexer/audit/downloads/",
    "/indexer/audit/models/1/history",
    "/indexer/audit/institutions",
    "/indexer/audit/../graphql",
    "/indexer/audit/%2e%2e/graphql",
    "/indexer/audit/%2E%2E/%2E%2E/secret",
    "/indexer/audit%2fdownloads",
    "/indexer/audit%2Fdownloads",
    "/indexer/audit/downloads%2f..%2f..%2fgraphql",
    "/indexer/audit/downloads%00",
    "/indexer/audit/downloads;x=1",
    "/indexer/audit/models/1%2fsummary",
    "/indexer/audit/models/..%2f..%2fgraphql/summary",
    "/indexer/audit/models/1/summary/..",
    "/indexer/audit/evaluations/",
    "/indexer/audit/evaluations%2f..%2fgraphql",
    "/indexer/audit/models/1/scores/..",
    "/indexer/audit/models/abc/scores",
    "/indexer/audit/models/1%2fscores",
    "/indexer//evil.example/audit/downloads",
    "/indexer///evil.example",
    "/indexer/http://evil.example/audit/downloads",
    "/indexer/http:%2f%2fevil.example%2faudit%2fdownloads",
    "/indexer/%2f%2fevil.example",
    "/indexer/%5cevil.example",
    "/indexer/\\\\evil.example/audit/downloads",
    "/indexer/@evil.example",
    "/indexer/AUDIT/downloads",
    "/indexer/auth/nonce/../../graphql",
    "/indexer/auth/nonce%3f",
    "/indexer/auth/nonce%23",
    "/indexer/%61uth/nonce",
  ];
  it.each(traversals)("refuses GET %s and never reaches the indexer", async (path) => {
    reachedIndexer.length = 0;
    const response = await raw("GET", path);
    // 403 with the reason; SvelteKit answers a trailing slash with a redirect to this server's
    // own path without it (which is then refused).
    expect([403, 404, 308]).toContain(response.status);
    if (response.status === 308) {
      const target = new URL(String(response.headers.location), `${webUrl}${path}`);
      expect(target.origin).toBe(new URL(webUrl).origin);
    }
    if (response.status === 403) expect(JSON.parse(response.body).error).toMatch(/not forwarded/);
    expect(reachedIndexer).toEqual([]);
  });

  it("refuses other methods and methods on the wrong path", async () => {
    reachedIndexer.length = 0;
    const json = { "content-type": "application/json" };
    for (const [method, path] of [
      ["DELETE", "/indexer/audit/downloads"],
      ["PUT", "/indexer/auth/verify"],
      ["PATCH", "/indexer/auth/verify"],
      ["OPTIONS", "/indexer/audit/downloads"],
      ["POST", "/indexer/audit/downloads"],
      ["POST", "/indexer/auth/nonce"],
      ["GET", "/indexer/auth/verify"],
      ["GET", "/indexer/auth/logout"],
      ["POST", "/indexer/graphql"],
      ["POST", "/indexer/sql/db"],
    ] as const) {
      const response = await raw(method, path, json, "{}");
      expect(response.status, `${method} ${path}`).toBe(403);
    }
    expect(reachedIndexer).toEqual([]);
  });

  it("takes POSTs only as JSON, from this app's pages, within 16 KiB", async () => {
    reachedIndexer.length = 0;
    const crossSite = await raw(
      "POST",
      "/indexer/auth/logout",
      { "content-type": "application/json", origin: "https://evil.example" },
      "{}",
    );
    expect(crossSite.status).toBe(403);
    expect(JSON.parse(crossSite.body).error).toMatch(/cross-site/);
    const form = await raw("POST", "/indexer/auth/logout", { "content-type": "text/plain" }, "{}");
    expect(form.status).toBe(403);
    const sameHostForm = await raw(
      "POST",
      "/indexer/auth/logout",
      { "content-type": "text/plain", origin: `https://${new URL(webUrl).host}` },
      "{}",
    );
    expect(sameHostForm.status).toBe(415);
    const big = await raw(
      "POST",
      "/indexer/auth/verify",
      { "content-type": "application/json" },
      JSON.stringify({ message: "x".repeat(20_000), signature: "0x00" }),
    );
    expect(big.status).toBe(413);
    expect(reachedIndexer).toEqual([]);
    const sameSite = await raw(
      "POST",
      "/indexer/auth/logout",
      { "content-type": "application/json", origin: webUrl, authorization: "Bearer t0k" },
      "{}",
    );
    expect(sameSite.status).toBe(200);
    expect(reachedIndexer.map((r) => [r.method, r.url, r.headers.authorization])).toEqual([
      ["POST", "/base/auth/logout", "Bearer t0k"],
    ]);
  });

  it("refuses a sign-in message signed for another domain before it reaches the indexer", async () => {
    reachedIndexer.length = 0;
    const message = (domain: string) =>
      createSiweMessage({
        domain,
        address: "0x00000000000000000000000000000000000000e5",
        uri: `http://${domain}`,
        version: "1",
        chainId: 31337,
        nonce: "abcdefgh12345678",
      });
    const host = new URL(webUrl).host;
    const body = (domain: string) =>
      JSON.stringify({ message: message(domain), signature: "0x00" });
    const json = { "content-type": "application/json", origin: webUrl };
    const evil = await raw("POST", "/indexer/auth/verify", json, body("evil.example"));
    expect(evil.status).toBe(403);
    expect(JSON.parse(evil.body).error).toContain('"evil.example"');
    // The Host header names the domain only when none is configured; a spoofed Host with a
    // matching message is the indexer's to refuse (it takes its domain from configuration).
    const ours = await raw("POST", "/indexer/auth/verify", json, body(host));
    expect(ours.status).toBe(200);
    expect(reachedIndexer.map((r) => r.url)).toEqual(["/base/auth/verify"]);
  });
});

describe("security headers on every response", () => {
  function expectSecurityHeaders(headers: IncomingHttpHeaders, what: string) {
    const csp = String(headers["content-security-policy"] ?? "");
    expect(csp, what).toContain("frame-ancestors 'none'");
    expect(csp, what).toContain("'wasm-unsafe-eval'");
    expect(csp, what).toMatch(/default-src 'self'/);
    expect(csp, what).toMatch(/object-src 'none'/);
    expect(csp, what).not.toContain(new URL(anvil.url).host);
    expect(headers["x-content-type-options"], what).toBe("nosniff");
    expect(headers["referrer-policy"], what).toBe("no-referrer");
    expect(headers["cross-origin-opener-policy"], what).toBe("same-origin");
    expect(headers["cross-origin-embedder-policy"], what).toBe("require-corp");
    expect(headers["cross-origin-resource-policy"], what).toBe("same-origin");
    return csp;
  }

  const firstFile = (dir: string, pattern: RegExp) => {
    const name = readdirSync(join(clientDir, dir)).find((f) => pattern.test(f));
    if (!name) throw new Error(`no ${pattern} in build/client/${dir}`);
    return `/${dir}/${name}`;
  };

  it("pages carry the whole policy: inline boot script hashes, the gateways, nothing else to connect to", async () => {
    for (const path of ["/", "/audit", "/classify", "/models/1", "/no-such-page"]) {
      const response = await raw("GET", path);
      expect(response.headers["content-type"], path).toMatch(/text\/html/);
      const csp = expectSecurityHeaders(response.headers, path);
      expect(csp, path).toMatch(/script-src 'self' 'wasm-unsafe-eval' 'sha256-[A-Za-z0-9+/=]+'/);
      expect(csp, path).toMatch(/connect-src 'self' http:\/\/127\.0\.0\.1:5999(;|$)/);
      expect(csp, path).toMatch(/worker-src 'self' blob:/);
      const scriptSrc = csp.split(";").find((d) => d.trim().startsWith("script-src")) ?? "";
      expect(scriptSrc, path).not.toMatch(/'unsafe-inline'|'unsafe-eval'|\*|data:|http/);
      // Every inline script of the page is one the policy names.
      const inline = [...response.body.matchAll(/<script>([\s\S]*?)<\/script>/g)].map(
        (m) => m[1] ?? "",
      );
      expect(inline.length, path).toBeGreaterThan(0);
      for (const script of inline) {
        const hash = createHash("sha256").update(script).digest("base64");
        expect(csp, path).toContain(`'sha256-${hash}'`);
      }
    }
  });

  it("a reload never meets a policy without the page's hashes (no 304 carries a policy)", async () => {
    const page = await raw("GET", "/patient");
    expect(page.headers["cache-control"]).toBe("no-store");
    expect(page.headers.etag).toBeUndefined();
    // Even a client that sends a validator it made up or kept from elsewhere gets no stale policy.
    for (const path of ["/patient", "/", "/favicon.svg"]) {
      const first = await raw("GET", path);
      const validator = first.headers.etag ?? '"1ogx2go"';
      const again = await raw("GET", path, { "if-none-match": validator });
      if (again.status === 304)
        expect(again.headers["content-security-policy"], path).toBeUndefined();
      else
        expect(again.headers["content-security-policy"], path).toContain("frame-ancestors 'none'");
    }
  });

  it("static files, wasm, endpoints, proxied answers and errors carry them too", async () => {
    const paths: [string, string, Record<string, string>?, string?][] = [
      ["GET", "/favicon.svg"],
      ["GET", firstFile("_app/immutable/entry", /\.js$/)],
      ["GET", firstFile("_app/immutable/assets", /\.wasm$/)],
      ["GET", firstFile("_app/immutable/assets", /\.css$/)],
      ["GET", "/_app/immutable/no-such-file.js"],
      ["GET", "/config.json"],
      ["HEAD", "/"],
      ["GET", "/rpc"],
      ["POST", "/rpc", { "content-type": "application/json" }, JSON.stringify(call("eth_chainId"))],
      ["POST", "/rpc", { "content-type": "application/json" }, JSON.stringify(call("anvil_mine"))],
      ["POST", "/rpc", { "content-type": "application/json" }, "nope"],
      ["GET", "/indexer/audit/downloads"],
      ["GET", "/indexer/graphql"],
      ["GET", "/%"],
    ];
    for (const [method, path, headers, body] of paths) {
      const response = await raw(method, path, headers, body);
      expectSecurityHeaders(response.headers, `${method} ${path} (${response.status})`);
    }
    expect(
      (await raw("GET", firstFile("_app/immutable/assets", /\.wasm$/))).headers["content-type"],
    ).toBe("application/wasm");
  });

  it("a request Node cannot parse gets a 400 with the headers", async () => {
    const { hostname, port } = new URL(webUrl);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () =>
        socket.write("GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n"),
      );
      let text = "";
      socket.on("data", (c) => {
        text += c;
      });
      socket.on("end", () => resolve(text));
      socket.on("error", reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    expect(answer).toContain("X-Content-Type-Options: nosniff");
    expect(answer).toContain("frame-ancestors 'none'");
  });
});

describe("config.json tells the page only what it needs", () => {
  it("names no upstream: same-origin proxies, the gateways the page fetches itself", async () => {
    const response = await fetch(`${webUrl}/config.json`);
    const text = await response.text();
    expect(text).not.toContain(new URL(anvil.url).host);
    expect(text).not.toContain(new URL(upstreamUrl).host);
    const config = JSON.parse(text);
    expect(config.chain.rpcUrl).toBe("/rpc");
    expect(config.chain.walletRpcUrl).toBe("/rpc");
    expect(config.indexerUrl).toBe("/indexer");
    expect(config.gateways).toEqual({ default: gateway });
  });
});
