import { EVM_VERSION as CHAIN_EVM_VERSION } from "@neuroledger/chain";
import { numberToHex } from "viem";
import type { NetworkPlan } from "./networkPlan.ts";
import { encodeQbftExtraData } from "./qbftExtraData.ts";

/**
 * Besu milestones that give exactly an EVM version from block 0. Pre-Merge forks are block
 * numbers, Shanghai and later are timestamps. Nothing later is enabled: a later fork can be added
 * by a genesis transition when the contracts move to it.
 */
const FORKS_BY_EVM_VERSION = {
  cancun: {
    homesteadBlock: 0,
    eip150Block: 0,
    eip158Block: 0,
    byzantiumBlock: 0,
    constantinopleBlock: 0,
    constantinopleFixBlock: 0,
    istanbulBlock: 0,
    berlinBlock: 0,
    londonBlock: 0,
    shanghaiTime: 0,
    cancunTime: 0,
  },
} as const;

/** The EVM version the contracts are compiled for, as the chain package declares it. */
export const EVM_VERSION: keyof typeof FORKS_BY_EVM_VERSION = CHAIN_EVM_VERSION;

export const FORKS_AT_GENESIS = FORKS_BY_EVM_VERSION[EVM_VERSION];

/** Istanbul BFT's mixHash, which Besu uses to recognise a BFT block. */
export const BFT_MIX_HASH = "0x63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365";

/** A generous balance for the genesis accounts: gas is free, but wallets may still set a tip. */
export const GENESIS_BALANCE = 10n ** 27n;

/** The genesis file every node of the network must share, byte for byte. */
export function buildGenesis(plan: NetworkPlan) {
  return {
    config: {
      chainId: plan.chainId,
      ...FORKS_AT_GENESIS,
      // London's EIP-1559 base fee would make gas cost something; a consortium chain is free gas.
      zeroBaseFee: true,
      qbft: {
        blockperiodseconds: plan.blockPeriodSeconds,
        epochlength: plan.epochLength,
        requesttimeoutseconds: plan.requestTimeoutSeconds,
      },
    },
    nonce: "0x0",
    timestamp: numberToHex(plan.genesisTimestamp),
    gasLimit: numberToHex(plan.gasLimit),
    baseFeePerGas: "0x0",
    // Cancun header fields of the genesis block.
    blobGasUsed: "0x0",
    excessBlobGas: "0x0",
    parentBeaconBlockRoot: `0x${"00".repeat(32)}`,
    difficulty: "0x1",
    mixHash: BFT_MIX_HASH,
    coinbase: `0x${"00".repeat(20)}`,
    extraData: encodeQbftExtraData(plan.validators),
    alloc: Object.fromEntries(
      plan.accounts.map((account) => [
        account.slice(2).toLowerCase(),
        { balance: numberToHex(GENESIS_BALANCE) },
      ]),
    ),
  };
}

export type Genesis = ReturnType<typeof buildGenesis>;
