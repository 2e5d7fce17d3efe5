import { getMemberCount } from "@neuroledger/chain/actions";
import { getEvaluations } from "@neuroledger/chain/actions/getEvaluations";
import { getScore } from "@neuroledger/chain/actions/getScore";
import { abis, type ChainClient, connectChain } from "../chain/client.ts";
import { getModel, keptModelIds, type OnChainModel } from "../chain/models.ts";
import type { Connection } from "../config.ts";
import { NodeClient } from "../ipfs/client.ts";

const bps = (x: number) => x / 10_000;

function summary(m: OnChainModel) {
  return {
    id: m.id.toString(),
    f1: bps(m.metrics.f1),
    accuracy: bps(m.metrics.accuracy),
    auc: bps(m.metrics.auc),
    testSetSize: m.metrics.testSetSize,
    institutionId: m.institutionId.toString(),
    publisher: m.publisher,
    content: m.contentCid,
    keyring: m.keyringCid,
    keyringVersion: m.keyringVersion,
    sha256: m.sha256,
    publishedAt: new Date(Number(m.publishedAt) * 1000).toISOString(),
  };
}

/** A kept model's summary plus its ranking score and members' evaluations (registry v3). */
async function withEvaluations(chain: ChainClient, m: OnChainModel) {
  const [score, evaluations] = await Promise.all([
    getScore(chain.publicClient, { registry: chain.registry, modelId: m.id }),
    getEvaluations(chain.publicClient, { registry: chain.registry, modelId: m.id }),
  ]);
  return {
    ...summary(m),
    score: { ...score, worstInstitutionId: score.worstInstitutionId?.toString() ?? null },
    evaluations: evaluations.map((e) => ({
      ...e,
      institutionId: e.institutionId.toString(),
      blockNumber: e.blockNumber.toString(),
    })),
  };
}

/** `neuroledger status`: chain, consortium size, latest model, the top ten (each with its score
 * and members' evaluations), and the node's view. */
export async function status(connection: Connection) {
  const chain = await connectChain(connection);
  const [block, memberCount, paused] = await Promise.all([
    chain.publicClient.getBlockNumber(),
    getMemberCount(chain.publicClient, { membership: chain.membership }),
    chain.publicClient.readContract({
      address: chain.registry,
      abi: abis.registry,
      functionName: "paused",
    }),
  ]);
  const { latest, top } = await keptModelIds(chain);
  const topTen = [];
  for (const id of top) topTen.push(await withEvaluations(chain, await getModel(chain, id)));
  const node = connection.nodeUrl
    ? await new NodeClient(connection.nodeUrl, 5_000)
        .id()
        .catch((err: Error) => ({ error: err.message }))
    : undefined;
  return {
    chain: {
      rpcUrl: connection.rpcUrl,
      chainId: chain.chainId,
      block: block.toString(),
      task: chain.task,
      registry: chain.registry,
    },
    consortium: { members: Number(memberCount), paused },
    latest: latest > 0n ? await withEvaluations(chain, await getModel(chain, latest)) : null,
    topTen,
    ...(node ? { node } : {}),
  };
}
