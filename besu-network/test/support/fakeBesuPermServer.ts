/**
 * A STAND-IN FOR BESU, not Besu: a tiny JSON-RPC server on 127.0.0.1 that implements only the
 * PERM methods of Besu's local permissioning, because Besu itself cannot be installed on the
 * machines these tests run on. It follows Besu's documented behaviour: add/remove answer
 * "Success", and adding an account already listed, removing one that is absent, an empty list,
 * a duplicate or an invalid address are errors. The opt-in test in besu.e2e.test.ts runs the same
 * code against real Besu nodes where a `besu` binary exists.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

type JsonRpcRequest = { jsonrpc: "2.0"; id: number | string; method: string; params?: unknown[] };

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

export type FakeBesuPermServer = {
  url: string;
  accounts: Set<string>;
  nodes: Set<string>;
  /** Every method called, in order. */
  calls: string[];
  close(): Promise<void>;
};

export async function startFakeBesuPermServer(
  initialAccounts: string[] = [],
): Promise<FakeBesuPermServer> {
  const accounts = new Set(initialAccounts.map((a) => a.toLowerCase()));
  const nodes = new Set<string>();
  const calls: string[] = [];

  function listChange(
    list: unknown,
    set: Set<string>,
    add: boolean,
    isValid: (v: string) => boolean,
  ) {
    if (!Array.isArray(list) || list.length === 0)
      return { code: -32000, message: "Request contains an empty list" };
    const values = list.map((v) => String(v).toLowerCase());
    if (!values.every(isValid))
      return { code: -32000, message: "Request contains an invalid entry" };
    if (new Set(values).size !== values.length)
      return { code: -32000, message: "Request contains duplicate entries" };
    if (add && values.some((v) => set.has(v)))
      return { code: -32000, message: "Cannot add an existing entry to allowlist" };
    if (!add && values.some((v) => !set.has(v)))
      return { code: -32000, message: "Cannot remove an absent entry from allowlist" };
    for (const v of values) add ? set.add(v) : set.delete(v);
    return undefined;
  }

  function answer(request: JsonRpcRequest): {
    result?: unknown;
    error?: { code: number; message: string };
  } {
    calls.push(request.method);
    const first = request.params?.[0];
    const change = (set: Set<string>, add: boolean, isValid: (v: string) => boolean) => {
      const error = listChange(first, set, add, isValid);
      return error ? { error } : { result: "Success" };
    };
    switch (request.method) {
      case "perm_getAccountsAllowlist":
        return { result: [...accounts] };
      case "perm_addAccountsToAllowlist":
        return change(accounts, true, (v) => ADDRESS.test(v));
      case "perm_removeAccountsFromAllowlist":
        return change(accounts, false, (v) => ADDRESS.test(v));
      case "perm_getNodesAllowlist":
        return { result: [...nodes] };
      case "perm_addNodesToAllowlist":
        return change(nodes, true, (v) => v.startsWith("enode://"));
      case "perm_removeNodesFromAllowlist":
        return change(nodes, false, (v) => v.startsWith("enode://"));
      default:
        return { error: { code: -32601, message: "Method not found" } };
    }
  }

  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      const request = JSON.parse(body) as JsonRpcRequest;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ jsonrpc: "2.0", id: request.id, ...answer(request) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    accounts,
    nodes,
    calls,
    close: () => new Promise((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
