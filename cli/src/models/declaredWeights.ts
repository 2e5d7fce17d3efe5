import type { Hex } from "viem";
import { connectChain } from "../chain/client.ts";
import { modelIdByWeights } from "../chain/models.ts";
import type { Connection } from "../config.ts";
import { IntegrityError } from "../errors.ts";
import { weightsHashOfFile } from "./validateModel.ts";

/**
 * Checks that a downloaded (decrypted) model is the network its publisher declared: its weights
 * hash must map back to `modelId` on chain. A publisher that declared another hash to republish
 * old weights (to shed bad measurements) gets no evaluation. Returns the weights hash.
 * @throws IntegrityError when the hash maps to no model or to another one.
 */
export async function checkDeclaredWeights(
  connection: Connection,
  modelId: bigint,
  modelPath: string,
): Promise<Hex> {
  const weightsHash = await weightsHashOfFile(modelPath);
  const declaredFor = await modelIdByWeights(await connectChain(connection), weightsHash);
  if (declaredFor !== modelId) {
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
  return weightsHash;
}
