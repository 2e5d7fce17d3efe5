import { describe, expect, it } from "vitest";
import { claimDisagreement, DISAGREEMENT_MARGIN } from "./evaluations.ts";

const site = (f1: number, publisherSite = false) => ({ f1, publisherSite });

describe("claimDisagreement", () => {
  it("flags a claim more than the margin above the worst independent site", () => {
    expect(claimDisagreement(0.98, [site(0.97), site(0.6)])).toEqual({
      worstF1: 0.6,
      claimedF1: 0.98,
      gap: 0.98 - 0.6,
    });
  });

  it("does not flag a claim within the margin, exactly at it included", () => {
    expect(DISAGREEMENT_MARGIN).toBe(0.05);
    expect(claimDisagreement(0.98, [site(0.95)])).toBeNull();
    expect(claimDisagreement(0.98, [site(0.93)])).toBeNull();
    expect(claimDisagreement(0.98, [site(0.9299)])).not.toBeNull();
    expect(claimDisagreement(0.5, [site(0.9)])).toBeNull();
  });

  it("ignores the publisher's own site and needs an independent measurement", () => {
    expect(claimDisagreement(0.98, [])).toBeNull();
    expect(claimDisagreement(0.98, [site(0.1, true)])).toBeNull();
    expect(claimDisagreement(0.98, [site(0.1, true), site(0.97)])).toBeNull();
  });
});
