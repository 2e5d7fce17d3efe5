/** Moves the local chain's clock forward and mines a block (anvil's evm_increaseTime / evm_mine). */
export async function advanceChainTime(rpcUrl: string, seconds: number) {
  const call = async (method: string, params: unknown[]) => {
    const response = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    });
    const body = (await response.json()) as { error?: { message: string } };
    if (body.error) throw new Error(`${method}: ${body.error.message}`);
  };
  await call("evm_increaseTime", [seconds]);
  await call("evm_mine", []);
}
