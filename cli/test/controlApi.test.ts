// Issue 11 kind 7: the control API and the trustless gateway refuse what they do not expect.
// One node in-process (real Helia, real HTTP server on 127.0.0.1).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { request } from "node:http";
import { after, before, describe, test } from "node:test";
import type { CID } from "multiformats/cid";
import { addPinned, controlApi } from "../src/ipfs/api.ts";
import { type Gateway, startGateway } from "../src/ipfs/gateway.ts";
import { type IpfsNode, startIpfsNode } from "../src/ipfs/node.ts";
import { tempDir } from "./helpers/nodeProcess.ts";

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  json(): { error?: string } & Record<string, unknown>;
}

/** A raw HTTP request (fetch would not let us set Host, Origin or Sec-Fetch-Site freely). */
function send(
  base: string,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<Answer> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: init.method ?? "GET", headers: init.headers, timeout: 10_000 },
      (res) => {
        const parts: Buffer[] = [];
        res.on("data", (c: Buffer) => parts.push(c));
        res.on("end", () => {
          const body = Buffer.concat(parts);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            json: () => JSON.parse(body.toString("utf8")),
          });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(init.body);
  });
}

describe("control API and gateway refuse what they do not expect", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let node: IpfsNode;
  let gateway: Gateway;
  let fileCid: CID;
  let fileBytes: Buffer;

  before(async () => {
    dir = await tempDir("control");
    node = await startIpfsNode({ dir: dir.path });
    gateway = await startGateway({ node, api: controlApi(node), fetchTimeoutMs: 1500 });
    fileBytes = randomBytes(1000);
    fileCid = await addPinned(node, [fileBytes]);
  });
  after(async () => {
    await gateway?.close();
    await node?.stop();
    await dir?.remove();
  });

  const pinned = async (cid: CID) => node.helia.pins.isPinned(cid);
  const unpinnedCid = async () => {
    const cid = await addPinned(node, [randomBytes(64)]);
    for await (const _ of node.helia.pins.rm(cid)) {
      // unpinned
    }
    return cid;
  };

  test("a cross-site state change is refused with 403 and changes nothing", async () => {
    const foreign: Record<string, string>[] = [
      { origin: "https://evil.example" },
      { origin: "null" },
      { origin: "http://127.0.0.1:1" }, // another port is another origin
      { origin: "http://localhost" },
      { "sec-fetch-site": "cross-site" },
      { "sec-fetch-site": "same-site" },
      { host: "evil.example" }, // a DNS-rebound name
      { host: "127.0.0.1.evil.example:80" },
    ];
    const cid = await unpinnedCid();
    for (const headers of foreign) {
      for (const contentType of [undefined, "application/json", "text/plain"]) {
        const all = { ...headers, ...(contentType ? { "content-type": contentType } : {}) };
        const answer = await send(gateway.url, `/api/pin?cid=${cid}`, {
          method: "POST",
          headers: all,
        });
        assert.equal(answer.status, 403, `POST with ${JSON.stringify(all)}`);
        assert.match(answer.json().error ?? "", /cross-site|loopback/);
      }
      const del = await send(gateway.url, `/api/pin?cid=${fileCid}`, {
        method: "DELETE",
        headers: { ...headers, "content-type": "application/json" },
      });
      assert.equal(del.status, 403, `DELETE with ${JSON.stringify(headers)}`);
      const add = await send(gateway.url, "/api/add", {
        method: "POST",
        headers: { ...headers, "content-type": "application/octet-stream" },
        body: randomBytes(32),
      });
      assert.equal(add.status, 403, `add with ${JSON.stringify(headers)}`);
      for (const path of ["/api/pins", "/api/id"]) {
        assert.equal((await send(gateway.url, path, { headers })).status, 403, path);
      }
    }
    assert.equal(await pinned(cid), false, "no foreign request pinned anything");
    assert.equal(await pinned(fileCid), true, "no foreign request unpinned anything");
  });

  test("a state change without a JSON (or octet-stream) body type is refused with 415", async () => {
    const cid = await unpinnedCid();
    for (const contentType of [
      undefined,
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
    ]) {
      const answer = await send(gateway.url, `/api/pin?cid=${cid}`, {
        method: "POST",
        headers: contentType ? { "content-type": contentType } : {},
      });
      assert.equal(answer.status, 415, `pin with ${contentType}`);
      const add = await send(gateway.url, "/api/add", {
        method: "POST",
        headers: contentType ? { "content-type": contentType } : {},
        body: "x",
      });
      assert.equal(add.status, 415, `add with ${contentType}`);
    }
    assert.equal(await pinned(cid), false);
    const ok = await send(gateway.url, `/api/pin?cid=${cid}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        origin: gateway.url,
        "sec-fetch-site": "same-origin",
      },
    });
    assert.equal(ok.status, 200, "a same-origin JSON request goes through");
    assert.equal(await pinned(cid), true);
  });

  test("every bad parameter answers 400 with a sentence that names it (never 500)", async () => {
    const json = { "content-type": "application/json" };
    const cases: [string, RegExp][] = [
      [`/api/pin?cid=${fileCid}&timeoutMs=abc`, /timeoutMs/],
      [`/api/pin?cid=${fileCid}&timeoutMs=-1`, /timeoutMs/],
      [`/api/pin?cid=${fileCid}&timeoutMs=0`, /timeoutMs/],
      [`/api/pin?cid=${fileCid}&timeoutMs=1.5`, /timeoutMs/],
      [`/api/pin?cid=${fileCid}&timeoutMs=1e400`, /timeoutMs/],
      [`/api/pin?cid=${fileCid}&timeoutMs=99999999999`, /timeoutMs/],
      [`/api/pin?cid=${fileCid}&timeoutMs=`, /timeoutMs/],
      [`/api/pin?cid=${fileCid}&timeoutMs=5&timeoutMs=6`, /timeoutMs/],
      ["/api/pin", /cid/],
      ["/api/pin?cid=", /cid/],
      ["/api/pin?cid=notacid", /cid/],
      [`/api/pin?cid=${fileCid}&cid=${fileCid}`, /cid/],
      [`/api/pin?cid=${fileCid}&force=1`, /force/],
    ];
    for (const [path, names] of cases) {
      for (const method of ["POST", "DELETE"]) {
        const answer = await send(gateway.url, path, { method, headers: json });
        assert.equal(answer.status, 400, `${method} ${path}: ${answer.body}`);
        assert.match(answer.json().error ?? "", names, `${method} ${path}`);
      }
    }
    const bodies: [string, RegExp][] = [
      [`{"cid":"${fileCid}","timeoutMs":"soon"}`, /timeoutMs/],
      [`{"cid":42}`, /cid/],
      ["[1,2]", /JSON object/],
      ["{not json", /JSON object/],
      ["x".repeat(5000), /bytes/],
    ];
    for (const [body, names] of bodies) {
      const answer = await send(gateway.url, "/api/pin", { method: "POST", headers: json, body });
      assert.equal(answer.status, 400, body.slice(0, 40));
      assert.match(answer.json().error ?? "", names);
    }
    for (const path of ["/api/pins?x=1", "/api/id?verbose=true", "/api/add?cid=x"]) {
      const method = path.startsWith("/api/add") ? "POST" : "GET";
      const answer = await send(gateway.url, path, {
        method,
        headers: { "content-type": "application/octet-stream" },
      });
      assert.equal(answer.status, 400, path);
    }
    assert.equal(await pinned(fileCid), true, "no refused DELETE unpinned it");
  });

  test("a wrong method answers 405 with the methods a route takes", async () => {
    for (const [method, path] of [
      ["GET", "/api/pin"],
      ["PUT", "/api/pin"],
      ["GET", "/api/add"],
      ["POST", "/api/pins"],
      ["DELETE", "/api/id"],
    ] as const) {
      const answer = await send(gateway.url, path, {
        method,
        headers: { "content-type": "application/json" },
      });
      assert.equal(answer.status, 405, `${method} ${path}`);
      assert.ok(answer.headers.allow, "Allow header");
    }
    assert.equal((await send(gateway.url, `/ipfs/${fileCid}`, { method: "POST" })).status, 405);
  });

  test("the gateway answers 400 to an unknown format or parameter", async () => {
    for (const query of [
      "format=foo",
      "format=",
      "format=RAW",
      "format=tar",
      "format=dag-json",
      "format=raw&format=car",
      "filename=x",
      "dag-scope=entity",
    ]) {
      const answer = await send(gateway.url, `/ipfs/${fileCid}?${query}`);
      assert.equal(answer.status, 400, `?${query}: ${answer.body}`);
      assert.ok((answer.json().error ?? "").length > 10);
    }
    assert.equal((await send(gateway.url, `/ipfs/${fileCid}?format=raw`)).status, 200);
    assert.equal((await send(gateway.url, `/ipfs/${fileCid}?format=car`)).status, 200);
  });

  test("the gateway answers 400 to an invalid Range and 416 to an unsatisfiable one", async () => {
    const invalid = [
      "bytes=abc",
      "items=0-1",
      "bytes=5-2",
      "bytes=0-1,3-4",
      "bytes=",
      "bytes",
      "bytes=-",
      "bytes=1-x",
      "bytes=-1-2",
      "bytes=0x10-",
    ];
    for (const format of ["", "?format=raw"]) {
      for (const range of invalid) {
        const answer = await send(gateway.url, `/ipfs/${fileCid}${format}`, { headers: { range } });
        assert.equal(answer.status, 400, `${format} Range: ${range}`);
        assert.match(answer.json().error ?? "", /Range|range/);
      }
      for (const range of ["bytes=1000-", "bytes=5000-6000", "bytes=-0"]) {
        const answer = await send(gateway.url, `/ipfs/${fileCid}${format}`, { headers: { range } });
        assert.equal(answer.status, 416, `${format} Range: ${range}`);
        assert.equal(answer.headers["content-range"], "bytes */1000");
      }
      const part = await send(gateway.url, `/ipfs/${fileCid}${format}`, {
        headers: { range: "bytes=10-19" },
      });
      assert.equal(part.status, 206);
      assert.equal(part.headers["content-range"], "bytes 10-19/1000");
      assert.ok(part.body.equals(fileBytes.subarray(10, 20)));
      const tail = await send(gateway.url, `/ipfs/${fileCid}${format}`, {
        headers: { range: "bytes=-5" },
      });
      assert.equal(tail.status, 206);
      assert.ok(tail.body.equals(fileBytes.subarray(995)));
      const open = await send(gateway.url, `/ipfs/${fileCid}${format}`, {
        headers: { range: "bytes=990-5000" },
      });
      assert.equal(open.status, 206);
      assert.ok(open.body.equals(fileBytes.subarray(990)));
    }
    const car = await send(gateway.url, `/ipfs/${fileCid}?format=car`, {
      headers: { range: "bytes=0-1" },
    });
    assert.equal(car.status, 400);
  });
});
