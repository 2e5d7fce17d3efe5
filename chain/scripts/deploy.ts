// pnpm -C chain deploy [--rpc <url>] [--dev] [--production] [--founder 0xADDR=Name]... [--force] [--dir <dir>]
// Deploys the consortium to any JSON-RPC endpoint and writes deployments/<chainId>.json.
// Safe to run twice: a live recorded deployment is reused. Key: DEPLOYER_PRIVATE_KEY, or dev key 0 with --dev.
import { parseArgs } from "node:util";
import { http, isAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { Founder } from "../src/deploy/deployConsortium.ts";
import { ensureDeployment } from "../src/deploy/ensureDeployment.ts";
import { DEV_PARAMETERS, PRODUCTION_PARAMETERS } from "../src/deploy/parameters.ts";
import { devAccounts } from "../src/dev.ts";

function fail(message: string): never {
  console.error(`deploy: ${message}`);
  process.exit(1);
}

const { values } = parseArgs({
  options: {
    rpc: { type: "string", default: "http://127.0.0.1:8545" },
    dev: { type: "boolean", default: false },
    production: { type: "boolean", default: false },
    founder: { type: "string", multiple: true, default: [] },
    force: { type: "boolean", default: false },
    dir: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  console.log(
    "usage: pnpm -C chain deploy [--rpc <url>] [--dev] [--production] [--founder 0xADDR=Name]... [--force] [--dir <dir>]",
  );
  process.exit(0);
}
if (values.dev && values.production) fail("--dev and --production exclude each other");

const founders: Founder[] = values.founder.map((spec) => {
  const [account, ...name] = spec.split("=");
  if (!account || !isAddress(account) || name.length === 0)
    fail(`--founder wants 0xADDRESS=Name, got "${spec}"`);
  return { account, name: name.join("=") };
});
const key =
  process.env.DEPLOYER_PRIVATE_KEY ?? (values.dev ? devAccounts.deployer.privateKey : undefined);
if (!key || !/^0x[0-9a-fA-F]{64}$/.test(key)) {
  fail("set DEPLOYER_PRIVATE_KEY (0x + 64 hex digits), or pass --dev to use the dev deployer key");
}

try {
  const { deployment, path, reused } = await ensureDeployment({
    transport: http(values.rpc, { retryCount: 0 }),
    deployer: privateKeyToAccount(key as `0x${string}`),
    dev: values.dev,
    parameters: values.production ? PRODUCTION_PARAMETERS : DEV_PARAMETERS,
    founders,
    force: values.force,
    ...(values.dir ? { dir: values.dir } : {}),
    log: (line) => console.log(`  ${line}`),
  });
  console.log(
    `${reused ? "already deployed" : "deployed"} on chain ${deployment.chainId}: ${path}`,
  );
  console.log(JSON.stringify(deployment.contracts, null, 2));
} catch (error) {
  const cause = error instanceof Error ? error.message.split("\n")[0] : String(error);
  fail(`${cause} (rpc ${values.rpc})`);
}
