import { describe, expect, it } from "vitest";
import { indexerRoute } from "./indexer-policy";

describe("indexerRoute: members' evaluations and score history", () => {
  it("forwards GET of the evaluations list and a model's score history", () => {
    expect(indexerRoute("GET", "/indexer/audit/evaluations", "?model=12")).toEqual({
      ok: true,
      path: "audit/evaluations",
    });
    expect(indexerRoute("GET", "/indexer/audit/models/12/scores", "")).toEqual({
      ok: true,
      path: "audit/models/12/scores",
    });
  });

  it.each([
    ["POST", "/indexer/audit/evaluations"],
    ["GET", "/indexer/audit/evaluations/"],
    ["GET", "/indexer/audit/evaluations/../graphql"],
    ["GET", "/indexer/audit/evaluations%2f..%2fgraphql"],
    ["GET", "/indexer/audit/models/12/scores/.."],
    ["GET", "/indexer/audit/models/abc/scores"],
    ["GET", "/indexer/audit/models/1%2fscores"],
    ["GET", "/indexer/audit/models/123456789012345678901/scores"],
    ["GET", "/indexer/audit/models/12/history"],
  ])("refuses %s %s with 403", (method, path) => {
    const route = indexerRoute(method, path, "");
    expect(route.ok).toBe(false);
    if (!route.ok) expect(route.error).toMatch(/not forwarded/);
  });

  it("refuses an overlong query on the evaluations path", () => {
    const route = indexerRoute("GET", "/indexer/audit/evaluations", `?model=${"1".repeat(3000)}`);
    expect(route).toMatchObject({ ok: false, status: 403 });
  });
});
