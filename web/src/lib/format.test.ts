import { describe, expect, it } from "vitest";
import { age, basisPoints, bytes, percent, shortAddress } from "./format.ts";

describe("format", () => {
  it("shortens addresses to their head and tail", () => {
    expect(shortAddress("0x70997970C51812dc3A010C7d01b50e0d17dc79C8")).toBe("0x7099…79C8");
  });
  it("shows fractions and basis points as percentages", () => {
    expect(percent(0.9512)).toBe("95.1 %");
    expect(basisPoints(9512n)).toBe("95.1 %");
  });
  it("says how long ago, in the largest whole unit", () => {
    expect(age(1000, 1030)).toBe("30 s ago");
    expect(age(0, 7200)).toBe("2 h ago");
    expect(age(0, 3 * 86_400 + 5)).toBe("3 d ago");
  });
  it("sizes bytes in binary units", () => {
    expect(bytes(512)).toBe("512 B");
    expect(bytes(64 * 1024 ** 2)).toBe("64.0 MiB");
  });
});
