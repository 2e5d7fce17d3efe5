/**
 * What the `/rpc` proxy forwards to the chain node: the JSON-RPC methods the app's reads (viem),
 * and the methods a wallet that added the chain with this URL needs to prepare and submit a
 * transaction it signed itself. Nothing that signs on the node, changes the node's state or
 * configuration, or reads its internals: `eth_sendTransaction`, `eth_sign*`, `personal_*`,
 * `anvil_*`, `hardhat_*`, `evm_*`, `debug_*`, `admin_*`, `txpool_*`, `perm_*`, `qbft_*`,
 * `miner_*`, filters and subscriptions, ... are refused.
 */

export const RPC_BODY_LIMIT_BYTES = 256 * 1024;
export const RPC_BATCH_LIMIT = 20;

/** Method -> who needs it. */
const allowed: Record<string, string> = {
  eth_chainId: "viem, wallets",
  net_version: "wallets",
  eth_blockNumber: "viem (waitForTransactionReceipt polls it)",
  eth_call: "viem readContract",
  eth_estimateGas: "wallets, viem",
  eth_getLogs: "viem getContractEvents (proposals, transaction page)",
  eth_getBlockByNumber: "viem getBlock, wallets (fees)",
  eth_getBlockByHash: "viem getBlock",
  eth_getTransactionByHash: "viem waitForTransactionReceipt, the transaction page",
  eth_getTransactionReceipt: "viem waitForTransactionReceipt, the transaction page",
  eth_getTransactionCount: "wallets (nonce)",
  eth_getBalance: "wallets",
  eth_getCode: "wallets, viem (contract accounts)",
  eth_gasPrice: "wallets",
  eth_maxPriorityFeePerGas: "wallets",
  eth_feeHistory: "wallets",
  eth_sendRawTransaction: "wallets: a transaction the wallet signed itself",
};

/** The methods `/rpc` forwards, sorted (for docs and error hints). */
export const allowedRpcMethods: readonly string[] = Object.keys(allowed).sort();

export type RpcRefusal = {
  /** 400: not JSON-RPC; 403: a method or a batch this proxy does not forward. */
  status: 400 | 403;
  /** JSON-RPC error code: -32700 parse error, -32600 invalid request, -32601 method refused. */
  code: -32700 | -32600 | -32601;
  message: string;
  /** The refused method, when one was named. */
  method?: string;
};

export type RpcCheck =
  | { ok: true /** The request re-serialised from what was checked. */; body: string }
  | { ok: false; refusal: RpcRefusal };

type RpcCall = { jsonrpc: "2.0"; id?: string | number | null; method: string; params?: unknown };

const shown = (method: string) =>
  JSON.stringify(method.length > 80 ? `${method.slice(0, 80)}...` : method);

function checkCall(value: unknown, where: string): RpcCall | RpcRefusal {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { status: 400, code: -32600, message: `${where}is not a JSON-RPC request object` };
  }
  const call = value as Record<string, unknown>;
  if (call.jsonrpc !== "2.0") {
    return { status: 400, code: -32600, message: `${where}"jsonrpc" must be "2.0"` };
  }
  if (typeof call.method !== "string") {
    return { status: 400, code: -32600, message: `${where}"method" must be a string` };
  }
  const id = call.id;
  if (id !== undefined && id !== null && typeof id !== "string" && typeof id !== "number") {
    return { status: 400, code: -32600, message: `${where}"id" must be a string, number or null` };
  }
  if (call.params !== undefined && !Array.isArray(call.params)) {
    return { status: 400, code: -32600, message: `${where}"params" must be an array` };
  }
  if (!Object.hasOwn(allowed, call.method)) {
    return {
      status: 403,
      code: -32601,
      method: call.method,
      message: `${where}method ${shown(call.method)} is not forwarded by this app's /rpc proxy (it forwards only ${allowedRpcMethods.join(", ")})`,
    };
  }
  // Only the checked members go on: the node never sees a duplicate key or extra member that its
  // JSON parser might read differently from ours.
  return { jsonrpc: "2.0", id, method: call.method, params: call.params };
}

const isRefusal = (x: RpcCall | RpcRefusal): x is RpcRefusal => "status" in x;

/**
 * Checks a JSON-RPC request (one call or a batch) against the proxy's policy: every element of a
 * batch must be a well-formed call of an allowed method, a batch holds 1 to `RPC_BATCH_LIMIT`
 * calls. The body size is checked before (`RPC_BODY_LIMIT_BYTES`).
 */
export function checkRpcRequest(text: string): RpcCheck {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return {
      ok: false,
      refusal: { status: 400, code: -32700, message: "the body is not valid JSON" },
    };
  }
  if (!Array.isArray(parsed)) {
    const call = checkCall(parsed, "");
    return isRefusal(call)
      ? { ok: false, refusal: call }
      : { ok: true, body: JSON.stringify(call) };
  }
  if (parsed.length === 0) {
    return { ok: false, refusal: { status: 400, code: -32600, message: "the batch is empty" } };
  }
  if (parsed.length > RPC_BATCH_LIMIT) {
    return {
      ok: false,
      refusal: {
        status: 403,
        code: -32600,
        message: `the batch has ${parsed.length} calls; this proxy forwards at most ${RPC_BATCH_LIMIT}`,
      },
    };
  }
  const calls: RpcCall[] = [];
  for (const [index, element] of parsed.entries()) {
    const call = checkCall(element, `batch element ${index}: `);
    if (isRefusal(call)) return { ok: false, refusal: call };
    calls.push(call);
  }
  return { ok: true, body: JSON.stringify(calls) };
}

/** The JSON-RPC error body of a refusal (id null: the whole request is refused). */
export function rpcErrorBody(refusal: { code: number; message: string; method?: string }) {
  return {
    jsonrpc: "2.0" as const,
    id: null,
    error: {
      code: refusal.code,
      message: refusal.message,
      ...(refusal.method === undefined ? {} : { data: { method: refusal.method } }),
    },
  };
}
