import { devAccounts } from "@neuroledger/chain";
import { privateKeyToAccount } from "viem/accounts";

/** The dev consortium's accounts (chain package's dev mnemonic), ready to sign. */
export const dev = Object.fromEntries(
  Object.entries(devAccounts).map(([name, a]) => [name, privateKeyToAccount(a.privateKey)]),
) as { [K in keyof typeof devAccounts]: ReturnType<typeof privateKeyToAccount> };
