import { getPublishVersion } from "@neuroledger/chain/actions";
import type { Hex } from "viem";
import { connectChain } from "../chain/client.ts";
import { modelIdByWeights } from "../chain/models.ts";
import type { Connection } from "../config.ts";
import { IntegrityError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { weightsHashOfFile } from "./validateModel.ts";

/** The registry version from which every publish carries a weights hash. */
const WEIGHTS_HASH_SINCE_VERSION = 3;

/**
 * Checks that a downloaded (decrypted) model is the network its publisher declared: its weights
 * hash must map back to `modelId` on chain. A publisher that declared another hash to republish
 * old weights (to shed bad measurements) gets no evaluation. A model published by a registry
 * before v3 has no weights hash to check: it passes, with a warning on `log`.
 * Returns the weights hash.
 * @throws IntegrityError when the hash maps to another model, or to none for a v3 publish.
 */
export async function checkDeclaredWeights(
  connection: Connection,
  modelId: bigint,
  modelPath: string,
  log?: Logger,
): Promise<Hex> {
  const weightsHash = await weightsHashOfFile(modelPath);
  const chain = await connectChain(connection);
  const declaredFor = await modelIdByWeights(chain, weightsHash);
  if (declaredFor === modelId) return weightsHash;
  if (declaredFor === 0n) {
    const version = await getPublishVersion(chain.publicClient, {
      registry: chain.registry,
      modelId,
      fromBlock: BigInt(chain.deployment.deployBlock),
    });
    if (version !== undefined && version < WEIGHTS_HASH_SINCE_VERSION) {
      log?.warn("published before weights hashes: its weights cannot be checked", {
        modelId: modelId.toString(),
        registryVersion: version,
      });
      return weightsHash;
    }
  }
  throw new IntegrityError(`model ${modelId}'s weights are not the ones its publisher declared`, {
    details:
      declaredFor === 0n
        ? `its weightsHash ${weightsHash} was never published`
        : `its weightsHash ${weightsHash} is model ${declaredFor}'s`,
    hints: [
      "Nothing was evaluated or submitted. Tell the consortium: governance can revoke the model.",
    ],
  });
}
