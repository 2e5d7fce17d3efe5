import type { Hex } from "viem";
import { mnemonicToAccount } from "viem/accounts";

/** The public well-known development mnemonic of Hardhat and anvil: test funds only. */
const DEV_MNEMONIC = "test test test test test test test test test test test junk";

/** Private key of dev account `index` (the ones a local chain node funds). */
export function devPrivateKey(index: number): Hex {
  const key = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: index }).getHdKey().privateKey;
  if (!key) throw new Error(`no key for dev account ${index}`);
  return `0x${Buffer.from(key).toString("hex")}`;
}
