import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { devAccounts, devInstitutions } from "@neuroledger/chain";
import { deploymentPath, deploymentTasks, readDeployment } from "@neuroledger/chain/deployment";
import { accountKeyOf, ensureEncryptionKey } from "../chain/accounts.ts";
import { connectChain } from "../chain/client.ts";
import { resolveConnection } from "../config.ts";
import type { DevAccount } from "../stack/schema.ts";
import { spawnChild } from "./childProcess.ts";
import type { UpService } from "./service.ts";

/** Dev accounts as the stack lists them, from the chain package's dev consortium. */
export function stackAccounts(): DevAccount[] {
  const [a, b, c] = devInstitutions;
  return [
    {
      name: "institution-a",
      ...pick(devAccounts.institutionA),
      role: "member",
      institution: a.name,
    },
    {
      name: "institution-b",
      ...pick(devAccounts.institutionB),
      role: "member",
      institution: b.name,
    },
    {
      name: "institution-c",
      ...pick(devAccounts.institutionC),
      role: "member",
      institution: c.name,
    },
    { name: "publisher", ...pick(devAccounts.publisher), role: "publisher", institution: a.name },
    { name: "staff", ...pick(devAccounts.staff), role: "staff", institution: b.name },
    { name: "patient", ...pick(devAccounts.patient), role: "none" },
    { name: "auditor", ...pick(devAccounts.auditor), role: "none" },
    { name: "outsider", ...pick(devAccounts.nonMember), role: "none" },
    { name: "candidate", ...pick(devAccounts.candidate), role: "none" },
  ];
}

function pick(a: { address: `0x${string}`; privateKey: `0x${string}` }) {
  return { address: a.address, privateKey: a.privateKey };
}

/**
 * Deploys the contracts with the dev consortium (`pnpm -C chain deploy --rpc <url> --dev`), keeps
 * a copy of the deployment file in the data dir, and registers the encryption keys of the dev
 * accounts that hold a role (institutions, publisher, staff).
 */
export const deployService: UpService = {
  name: "deploy",
  async start(ctx) {
    const { options } = ctx;
    const rpcUrl = ctx.stack.rpcUrl;
    if (!rpcUrl) throw new Error("the deploy service needs the chain service before it");
    const pnpm = join(options.repoRoot, "node_modules", ".bin", "pnpm");
    await mkdir(options.dataDir, { recursive: true });
    // --dir: the deployment file goes to the data dir, so runs on the same chain id never share it.
    const args = [
      "-C",
      "chain",
      "run",
      "deploy",
      "--rpc",
      rpcUrl,
      "--dev",
      "--dir",
      options.dataDir,
    ];
    const child = spawnChild(pnpm, args, {
      cwd: options.repoRoot,
      log: ctx.log,
      name: "deploy",
    });
    const code = await Promise.race([
      child.exited,
      new Promise<string>((r) => setTimeout(() => r("timeout"), 300_000).unref()),
      new Promise<string>((r) => ctx.signal.addEventListener("abort", () => r("interrupted"))),
    ]);
    if (code !== 0) {
      await child.stop(1000);
      throw new Error(`contract deployment failed (${code}); see the deploy lines above`);
    }
    const deploymentFile = deploymentPath(options.chainId, options.dataDir);
    const deployment = readDeployment(options.chainId, options.dataDir);
    ctx.stack.chain = {
      rpcUrl,
      chainId: deployment.chainId,
      deploymentFile,
      contracts: {
        membership: deployment.contracts.membership,
        governor: deployment.contracts.governor,
        timelock: deployment.contracts.timelock,
        registry: deployment.contracts.registry.address,
        taskDirectory: deployment.contracts.taskDirectory?.address,
        tasks: deploymentTasks(deployment).map((t) => ({
          task: t.task,
          registry: t.registry.address,
        })),
      },
    };
    ctx.stack.accounts = stackAccounts();
    for (const account of ctx.stack.accounts.filter((a) => a.role !== "none")) {
      const chain = await connectChain(
        await resolveConnection(
          {
            rpc: rpcUrl,
            key: account.privateKey,
            deployment: deploymentFile,
            dataDir: options.dataDir,
          },
          {},
        ),
      );
      if (await ensureEncryptionKey(chain, await accountKeyOf(chain))) {
        ctx.log.info("registered encryption key in every task's registry", {
          account: account.name,
          tasks: chain.tasks.length,
        });
      }
    }
    return {
      summary: [
        ...deploymentTasks(deployment).map((t) => `registry   ${t.registry.address} (${t.task})`),
        `governor   ${deployment.contracts.governor}`,
        `membership ${deployment.contracts.membership}`,
      ],
      stop: async () => {},
    };
  },
};
