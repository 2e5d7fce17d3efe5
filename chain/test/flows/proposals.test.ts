// Proposal descriptions (src/proposals.ts): unique per call, readable, parseable.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseProposalDescription, proposalDescription } from "../../src/proposals.ts";

describe("proposal descriptions", () => {
  it("differ for the same title, so the Governor gives each proposal its own id", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 100; i++) seen.add(proposalDescription("Grant publisher role to 0xabc"));
    assert.equal(seen.size, 100);
  });

  it("read as title, reason, then the time and ref line", () => {
    const text = proposalDescription("  Admit Delta Institute (0xabc) ", {
      reason: " They run a tumor board. ",
      now: new Date("2026-11-29T20:30:00Z"),
      ref: "0123456789abcdef",
    });
    assert.equal(
      text,
      "Admit Delta Institute (0xabc)\n\nThey run a tumor board.\n\nProposed 2026-11-29T20:30:00.000Z · ref 0123456789abcdef",
    );
    assert.deepEqual(parseProposalDescription(text), {
      title: "Admit Delta Institute (0xabc)",
      proposedAt: "2026-11-29T20:30:00.000Z",
      ref: "0123456789abcdef",
    });
    // Descriptions written before refs existed parse to their title alone.
    assert.deepEqual(parseProposalDescription("Remove institution 3"), {
      title: "Remove institution 3",
    });
  });

  it("refuse an empty or multi-line title and a malformed ref", () => {
    assert.throws(() => proposalDescription("  "), /needs a title/);
    assert.throws(() => proposalDescription("a\nb"), /one line/);
    assert.throws(() => proposalDescription("a", { ref: "xyz" }), /16 hex digits/);
  });
});
