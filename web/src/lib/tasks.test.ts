import { describe, expect, it } from "vitest";
import type { AppConfig } from "./config.ts";
import {
  accountKeyDomain,
  auditTaskQuery,
  ranksByMacroF1,
  selectTask,
  taskHref,
  UnknownTaskError,
} from "./tasks.ts";

const a = (n: number) => `0x${String(n).repeat(40)}` as `0x${string}`;
const tasks = [
  { task: "brain-tumor-mri/binary", registry: a(4) },
  { task: "brain-tumor-mri/type", registry: a(6) },
];
const config: AppConfig = {
  chain: { id: 31337, name: "local", rpcUrl: "/rpc", walletRpcUrl: "/rpc", explorerUrl: null },
  contracts: { membership: a(1), governor: a(2), timelock: a(3), registry: a(4) },
  tasks,
  deployBlock: 0,
  indexerUrl: null,
  gateways: {},
};

describe("selectTask", () => {
  it("reads the chosen task's registry and keeps the consortium's other contracts", () => {
    const view = selectTask(config, "brain-tumor-mri/type");
    expect(view?.task.task).toBe("brain-tumor-mri/type");
    expect(view?.contracts).toEqual({ ...config.contracts, registry: a(6) });
    expect(view?.config.contracts?.registry).toBe(a(6));
    // The app's own configuration is not changed for other pages.
    expect(config.contracts?.registry).toBe(a(4));
  });

  it("shows the first (binary) task when the URL names none", () => {
    expect(selectTask(config, null)?.contracts.registry).toBe(a(4));
  });

  it("refuses a task the consortium does not run, naming the ones it does", () => {
    for (const requested of [
      "brain-tumor-mri/grade",
      "",
      "BRAIN-TUMOR-MRI/TYPE",
      "type",
      "__proto__",
    ]) {
      const attempt = () => selectTask(config, requested);
      expect(attempt).toThrow(UnknownTaskError);
      expect(attempt).toThrow(/"brain-tumor-mri\/binary", "brain-tumor-mri\/type"/);
    }
  });

  it("gives nothing to show when no registry is deployed", () => {
    expect(selectTask({ ...config, contracts: null, tasks: [] }, null)).toBeNull();
  });
});

describe("taskHref and auditTaskQuery", () => {
  it("keeps today's links for the first task and names any other in the query", () => {
    expect(taskHref("/models/3", "brain-tumor-mri/binary", tasks)).toBe("/models/3");
    expect(taskHref("/models/3", "brain-tumor-mri/type", tasks)).toBe(
      "/models/3?task=brain-tumor-mri%2Ftype",
    );
    expect(taskHref("/audit?model=3", "brain-tumor-mri/type", tasks)).toBe(
      "/audit?model=3&task=brain-tumor-mri%2Ftype",
    );
  });

  it("filters the audit API by task only when there are several", () => {
    expect(auditTaskQuery("brain-tumor-mri/binary", tasks)).toEqual({
      task: "brain-tumor-mri/binary",
    });
    expect(auditTaskQuery("brain-tumor-mri/binary", tasks.slice(0, 1))).toEqual({});
  });

  it("ranks every task but the binary one by macro F1", () => {
    expect(ranksByMacroF1("brain-tumor-mri/type")).toBe(true);
    expect(ranksByMacroF1("brain-tumor-mri/binary")).toBe(false);
  });
});

describe("accountKeyDomain", () => {
  it("derives one key per consortium: the first task's registry, whichever task a page shows", () => {
    // A type-task page's config names the type registry; the key must still be the one the cli
    // registered in every registry (derived for the first registry), or no keeper's wrap opens.
    const typePage = selectTask(config, "brain-tumor-mri/type")?.config as AppConfig;
    expect(typePage.contracts?.registry).toBe(a(6));
    expect(accountKeyDomain(typePage)).toEqual({ chainId: 31337, registry: a(4) });
    expect(accountKeyDomain(config)).toEqual({ chainId: 31337, registry: a(4) });
  });

  it("names the problem when nothing is deployed", () => {
    expect(() => accountKeyDomain({ ...config, contracts: null, tasks: [] })).toThrow(
      /No registry is deployed/,
    );
  });
});
