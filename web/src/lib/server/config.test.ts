import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readServerConfig, tasksOfDeployment } from "./config.ts";

describe("readServerConfig", () => {
  it("keeps the chain node behind the same-origin proxy and reads the deployment", () => {
    const dir = mkdtempSync(join(tmpdir(), "nl-web-"));
    const file = join(dir, "31337.json");
    const a = (n: number) => `0x${String(n).repeat(40)}`;
    writeFileSync(
      file,
      JSON.stringify({
        chainId: 31337,
        deployBlock: 3,
        deployedAt: "2026-11-29T00:00:00.000Z",
        contracts: {
          membership: a(1),
          governor: a(2),
          timelock: a(3),
          registry: { address: a(4), implementation: a(5) },
        },
        implementations: { membership: a(5), governor: a(5), timelock: a(5), registry: a(5) },
        parameters: {
          votingDelay: 1,
          votingPeriod: 30,
          proposalThreshold: 1,
          quorumPercent: 50,
          timelockDelay: 5,
        },
      }),
    );
    const config = readServerConfig({
      NEUROLEDGER_RPC_URL: "http://127.0.0.1:9999",
      NEUROLEDGER_DEPLOYMENT: file,
      NEUROLEDGER_GATEWAYS: JSON.stringify({
        [a(7).toUpperCase().replace("0X", "0x")]: "http://127.0.0.1:8080",
      }),
    });
    expect(config.upstreamRpcUrl).toBe("http://127.0.0.1:9999");
    expect(config.app.chain.rpcUrl).toBe("/rpc");
    // The page (config.json) never learns where the node is: wallets add the chain by the proxy.
    expect(config.app.chain.walletRpcUrl).toBe("/rpc");
    expect(JSON.stringify(config.app)).not.toContain("9999");
    expect(config.app.contracts?.registry).toBe(a(4));
    // A deployment from before issue 15 (no contracts.tasks): one task, the binary one.
    expect(config.app.tasks).toEqual([{ task: "brain-tumor-mri/binary", registry: a(4) }]);
    expect(config.app.deployBlock).toBe(3);
    expect(config.app.gateways[a(7)]).toBe("http://127.0.0.1:8080");
    expect(config.app.indexerUrl).toBeNull();
  });

  it("names a public wallet RPC URL and the SIWE domain only when the operator sets them", () => {
    const config = readServerConfig({
      NEUROLEDGER_RPC_URL: "http://127.0.0.1:9999",
      NEUROLEDGER_WALLET_RPC_URL: "https://rpc.consortium.example",
      NEUROLEDGER_SIWE_DOMAIN: "audit.hospital.example",
    });
    expect(config.app.chain.walletRpcUrl).toBe("https://rpc.consortium.example");
    expect(config.siweDomain).toBe("audit.hospital.example");
    expect(readServerConfig({}).siweDomain).toBeNull();
  });

  it("names the file when the deployment cannot be read", () => {
    expect(() => readServerConfig({ NEUROLEDGER_DEPLOYMENT: "/nonexistent/31337.json" })).toThrow(
      /cannot read the deployment file \/nonexistent\/31337.json/,
    );
  });

  it("lists no task when nothing is deployed", () => {
    expect(readServerConfig({ NEUROLEDGER_RPC_URL: "http://127.0.0.1:9999" }).app.tasks).toEqual(
      [],
    );
  });
});

describe("tasksOfDeployment", () => {
  const a = (n: number) => `0x${String(n).repeat(40)}` as `0x${string}`;
  const proxy = (n: number) => ({ address: a(n), implementation: a(9) });

  it("lists every task of the TaskDirectory with its registry, in the deployment's order", () => {
    const tasks = tasksOfDeployment({
      registry: proxy(4),
      tasks: [
        { task: "brain-tumor-mri/binary", registry: proxy(4) },
        { task: "brain-tumor-mri/type", registry: proxy(6) },
      ],
    });
    expect(tasks).toEqual([
      { task: "brain-tumor-mri/binary", registry: a(4) },
      { task: "brain-tumor-mri/type", registry: a(6) },
    ]);
  });

  it("reads a deployment without tasks as one binary task at contracts.registry", () => {
    expect(tasksOfDeployment({ registry: proxy(4) })).toEqual([
      { task: "brain-tumor-mri/binary", registry: a(4) },
    ]);
  });

  it("refuses an empty task list and a task named twice", () => {
    expect(() => tasksOfDeployment({ registry: proxy(4), tasks: [] })).toThrow(/at least one task/);
    expect(() =>
      tasksOfDeployment({
        registry: proxy(4),
        tasks: [
          { task: "brain-tumor-mri/type", registry: proxy(4) },
          { task: "brain-tumor-mri/type", registry: proxy(6) },
        ],
      }),
    ).toThrow(/"brain-tumor-mri\/type" twice/);
  });
});
