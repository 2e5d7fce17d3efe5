import { modelRegistryAbi, PUBLISHER_ROLE } from "@neuroledger/chain";
import { createPublicClient, encodeFunctionData, http, parseEther, toHex } from "viem";
import { expect, test } from "./harness/fixtures.ts";

// Issue 11, kind 1: through the web app alone, a visitor gave itself ether, impersonated the
// timelock and had it grant itself PUBLISHER_ROLE. The same calls, made by a page in Chromium.
test("the issue's attack through /rpc fails: setBalance, impersonate the timelock, sendTransaction", async ({
  page,
  stack,
}) => {
  const outsider = stack.account("outsider").address;
  const timelock = stack.chain.contracts.timelock;
  const registry = stack.chain.contracts.registry;
  const chain = createPublicClient({ transport: http(stack.rpcUrl) });
  const balanceBefore = await chain.getBalance({ address: outsider });
  const isPublisher = () =>
    chain.readContract({
      address: registry,
      abi: modelRegistryAbi,
      functionName: "hasRole",
      args: [PUBLISHER_ROLE, outsider],
    });
  expect(await isPublisher()).toBe(false);

  await page.goto("/");
  const grantRole = encodeFunctionData({
    abi: modelRegistryAbi,
    functionName: "grantRole",
    args: [PUBLISHER_ROLE, outsider],
  });
  const calls = [
    { method: "anvil_setBalance", params: [outsider, toHex(parseEther("1000000"))] },
    { method: "anvil_impersonateAccount", params: [timelock] },
    { method: "hardhat_impersonateAccount", params: [timelock] },
    { method: "eth_sendTransaction", params: [{ from: timelock, to: registry, data: grantRole }] },
    { method: "evm_mine", params: [] },
  ];
  const answers = await page.evaluate(async (calls) => {
    const out = [];
    for (const [i, call] of calls.entries()) {
      const response = await fetch("/rpc", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: i, ...call }),
      });
      out.push({ status: response.status, body: await response.json() });
    }
    // The same calls hidden in a batch behind an allowed one.
    const batch = await fetch("/rpc", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([
        { jsonrpc: "2.0", id: 100, method: "eth_chainId", params: [] },
        ...calls.map((c, i) => ({ jsonrpc: "2.0", id: i, ...c })),
      ]),
    });
    out.push({ status: batch.status, body: await batch.json() });
    return out;
  }, calls);
  for (const [i, answer] of answers.entries()) {
    expect(answer.status, JSON.stringify(answer.body)).toBe(403);
    if (i < calls.length) expect(answer.body.error.message).toContain(calls[i]?.method);
  }
  expect(answers.at(-1)?.body.error.message).toContain("batch element 1");

  // Nothing happened on chain.
  expect(await chain.getBalance({ address: outsider })).toBe(balanceBefore);
  expect(await isPublisher()).toBe(false);
  // The page's own reads still go through.
  await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
});

test("every response carries the security headers, and the page names no upstream", async ({
  page,
  request,
  stack,
}) => {
  const document = await page.goto("/");
  const csp = document?.headers()["content-security-policy"] ?? "";
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("'wasm-unsafe-eval'");
  // The gateways the page reads models from, and nothing else besides its own origin.
  for (const institution of stack.institutions)
    expect(csp).toContain(new URL(institution.ipfs.gatewayUrl).origin);
  expect(csp).not.toContain(new URL(stack.rpcUrl).host);
  expect(document?.headers()["x-content-type-options"]).toBe("nosniff");
  const config = await request.get("/config.json");
  const text = await config.text();
  expect(text).not.toContain(new URL(stack.rpcUrl).host);
  expect(text).not.toContain(new URL(stack.services.indexer?.url ?? "http://none").host);
  for (const path of ["/favicon.svg", "/config.json", "/no-such-page", "/indexer/graphql"]) {
    const response = await request.get(path);
    expect(response.headers()["content-security-policy"], path).toContain("frame-ancestors 'none'");
    expect(response.headers()["x-content-type-options"], path).toBe("nosniff");
  }
});
