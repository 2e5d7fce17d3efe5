import type { Hash } from "viem";
import { explain } from "../errors.ts";
import type { Wallet } from "../wallet/wallet.svelte.ts";

/** One on-chain action at a time, with its state for the screen: pending, mined, or why it failed. */
export class Transaction {
  label = $state<string | null>(null);
  pending = $state(false);
  hash = $state<Hash | null>(null);
  error = $state<string | null>(null);
  done = $state<string | null>(null);

  constructor(private readonly wallet: Wallet) {}

  async run(
    label: string,
    send: (client: Awaited<ReturnType<Wallet["walletClient"]>>) => Promise<Hash>,
  ) {
    this.label = label;
    this.pending = true;
    this.error = null;
    this.done = null;
    this.hash = null;
    try {
      const client = await this.wallet.walletClient();
      this.hash = await send(client);
      const receipt = await this.wallet.publicClient.waitForTransactionReceipt({ hash: this.hash });
      if (receipt.status !== "success") throw new Error(`${label}: the transaction reverted.`);
      this.done = `${label}: done.`;
      return true;
    } catch (cause) {
      this.error = `${label}: ${explain(cause)}`;
      return false;
    } finally {
      this.pending = false;
    }
  }
}
