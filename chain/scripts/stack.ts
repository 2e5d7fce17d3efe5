// `npm start` (for now): a local chain node with the contracts and the dev consortium.
// Prints the addresses and dev accounts; Ctrl-C stops the node.
import { parseArgs } from "node:util";
import { http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { ensureDeployment } from "../src/deploy/ensureDeployment.ts";
import { startLocalNode } from "../src/deploy/localNode.ts";
import { devAccounts } from "../src/dev.ts";
import { deploymentTasks } from "../src/schemas/deployment.ts";

const { values } = parseArgs({ options: { port: { type: "string", default: "8545" } } });
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`stack: --port wants a port number, got "${values.port}"`);
  process.exit(1);
}

let node: Awaited<ReturnType<typeof startLocalNode>>;
try {
  node = await startLocalNode({ port, blockTime: 1 });
} catch (error) {
  console.error(
    `stack: could not start the chain node on 127.0.0.1:${port}: ${(error as Error).message}`,
  );
  console.error("Is another node already running there? Stop it or pass --port <n>.");
  process.exit(1);
}

let stopping = false;
async function stop(code: number) {
  if (stopping) return;
  stopping = true;
  console.log("\nstopping the chain node…");
  await node.stop();
  process.exit(code);
}
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));
node.process.once("exit", (code) => {
  if (!stopping) {
    console.error(`stack: the chain node exited unexpectedly (${code})`);
    process.exit(1);
  }
});

try {
  const { deployment, path } = await ensureDeployment({
    transport: http(node.url),
    deployer: privateKeyToAccount(devAccounts.deployer.privateKey),
    dev: true,
  });
  console.log(`\nNeuroLedger chain: ${node.url} (chain id ${deployment.chainId}, ~1 s blocks)`);
  console.log(`deployment file:  ${path}\n`);
  console.table({
    membership: deployment.contracts.membership,
    governor: deployment.contracts.governor,
    timelock: deployment.contracts.timelock,
    ...(deployment.contracts.taskDirectory
      ? { taskDirectory: deployment.contracts.taskDirectory.address }
      : {}),
    ...Object.fromEntries(
      deploymentTasks(deployment).map((t) => [`registry (${t.task})`, t.registry.address]),
    ),
  });
  console.log(
    "dev accounts (mnemonic: test test test test test test test test test test test junk)",
  );
  console.table(
    Object.fromEntries(
      Object.entries(devAccounts).map(([name, a]) => [
        name,
        { index: a.index, address: a.address, role: a.role },
      ]),
    ),
  );
  console.log("Ctrl-C stops the node.");
} catch (error) {
  console.error(`stack: deployment failed: ${(error as Error).message.split("\n")[0]}`);
  await stop(1);
}
