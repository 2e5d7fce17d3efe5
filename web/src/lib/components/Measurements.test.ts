import { render } from "svelte/server";
import { describe, expect, it } from "vitest";
import type { Measurements as MeasurementsData } from "../chain/evaluations.ts";
import type { AppConfig } from "../config.ts";
import Measurements from "./Measurements.svelte";

const config = {
  chain: { id: 31337, name: "local", rpcUrl: "/rpc", walletRpcUrl: "/rpc", explorerUrl: null },
  contracts: null,
  tasks: [],
  deployBlock: 0,
  indexerUrl: null,
  gateways: {},
} satisfies AppConfig;

const measurements: MeasurementsData = {
  score: {
    f1: 0.8274,
    accuracy: 0.8365,
    verified: false,
    independentEvaluations: 0,
    quorum: 2,
    worstInstitutionId: null,
  },
  evaluations: [],
  disagreement: { worstF1: 0.7, claimedF1: 0.8274, gap: 0.1274 },
};
const text = (props: Record<string, unknown>) =>
  render(Measurements, {
    props: { measurements, institutionName: () => "", config, compact: true, ...props },
  }).body.replace(/<!--[\s\S]*?-->/g, "");

describe("Measurements", () => {
  it("names the task's ranking score: macro F1 for a K-class task (section 14)", () => {
    const body = text({ scoreName: "macro F1" });
    expect(body).toMatch(/Ranking score: macro F1 82\.7 %/);
    expect(body).toContain("the publisher's own macro F1 ranks it");
    expect(body).toMatch(/the publisher claims macro F1 82\.7 %/);
  });

  it("says F1 for the binary task (the default)", () => {
    const body = text({});
    expect(body).toMatch(/Ranking score: F1 82\.7 %/);
    expect(body).not.toContain("macro");
  });
});
