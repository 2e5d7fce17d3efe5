import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GraphqlRefusal, graphqlCost } from "../../src/api/limits/graphqlCost.ts";

const limits = { maxCost: 10_000, maxDepth: 10, maxAliases: 10, maxTokens: 1000 };
const refused = (query: string, pattern: RegExp) =>
  assert.throws(
    () => graphqlCost(query, limits),
    (e: unknown) => e instanceof GraphqlRefusal && pattern.test(e.message),
  );

/** downloads -> model -> downloads -> ... `levels` list levels deep. */
function nested(levels: number, limit?: number) {
  const arg = limit === undefined ? "" : `(limit: ${limit})`;
  let inner = "id";
  for (let i = 0; i < levels; i++) inner = `downloads${arg} { items { ${inner} model { id } } }`;
  return `{ ${inner.replace(/^downloads/, "downloads")} }`;
}

describe("GraphQL cost", () => {
  it("lets ordinary queries through", () => {
    const one = graphqlCost(
      "{ downloads(limit: 100) { items { id model { id name } } totalCount } }",
      limits,
    );
    assert.ok(one.cost <= 300, String(one.cost));
    assert.ok(graphqlCost(nested(2), limits).cost <= limits.maxCost);
  });

  it("refuses nesting that multiplies page sizes, at any depth or width", () => {
    refused(nested(3), /may read/);
    refused(nested(4), /may read/);
    refused(nested(3, 1000), /may read/);
    // Wide: the same page many times through aliases.
    const wide = Array.from(
      { length: 6 },
      (_, i) => `a${i}: downloads(limit: 1000) { items { id model { id } } }`,
    ).join(" ");
    refused(`{ ${wide} }`, /may read/);
    refused(
      `{ ${Array.from({ length: 11 }, (_, i) => `a${i}: downloads(limit: 1) { items { id } }`).join(" ")} }`,
      /aliases/,
    );
    // A limit from a variable counts as the largest page.
    refused(
      "query($n: Int) { models(limit: $n) { items { downloads(limit: $n) { items { id } } } } }",
      /may read/,
    );
  });

  it("refuses depth, through fragments too, and fragments that expand without end", () => {
    let deep = "id";
    for (let i = 0; i < 12; i++) deep = `model { ${deep} }`;
    refused(`{ download(id: "1") { ${deep} } }`, /levels deep/);
    refused(
      "{ downloads { ...P } } fragment P on downloadPage { items { model { downloads { ...P } } } }",
      /spreads itself|may read/,
    );
    let frags = "fragment F0 on x { id }";
    for (let i = 1; i < 40; i++) frags += ` fragment F${i} on x { ...F${i - 1} ...F${i - 1} }`;
    refused(`{ model(id: "1") { ...F39 } } ${frags}`, /more than/);
  });

  it("refuses malformed queries and oversize limits with the reason", () => {
    refused("{ downloads { items { id }", /malformed GraphQL query: Syntax Error/);
    refused("{ downloads(limit: 5000) { items { id } } }", /outside 0..1000/);
    refused(`{ ${"a ".repeat(1200)} }`, /malformed GraphQL query: .*token/i);
  });
});
