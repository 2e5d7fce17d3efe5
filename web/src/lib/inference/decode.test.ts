import { describe, expect, it } from "vitest";
import { sniffImageKind } from "./decode.ts";

describe("sniffImageKind", () => {
  it("knows JPEG and PNG by their magic bytes, not by name", () => {
    expect(sniffImageKind(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0, 0, 0]))).toBe("jpeg");
    expect(sniffImageKind(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(
      "png",
    );
  });
  it("refuses anything else (GIF, text, empty)", () => {
    expect(sniffImageKind(new TextEncoder().encode("GIF89a.."))).toBeNull();
    expect(sniffImageKind(new TextEncoder().encode("not an image"))).toBeNull();
    expect(sniffImageKind(new Uint8Array())).toBeNull();
  });
});

describe("sniffImageKind: DICOM", () => {
  it("knows a DICOM Part 10 file by DICM at byte 128, whatever its preamble says", () => {
    const head = new Uint8Array(132);
    head.set([0x49, 0x49, 0x2a, 0x00]); // a TIFF-like preamble must not mislead
    head.set(new TextEncoder().encode("DICM"), 128);
    expect(sniffImageKind(head)).toBe("dicom");
    expect(sniffImageKind(head.subarray(0, 128))).toBeNull();
  });
});
