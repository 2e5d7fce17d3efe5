// A compressed file whose codec cannot load is not called damaged: the message says the decoder
// failed (a web worker once lacked the codec's wasm URL and every good JPEG-LS slice read as
// "damaged or truncated"). Its own file: the codec module is loaded once per process.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { ImageDecodeError } from "../errors.ts";
import { dicomCodecLocation } from "./codecs.ts";
import { decodeDicom } from "./decodeDicom.ts";
import { pydicomFile } from "./testing/fixtures.ts";

describe("DICOM codecs", () => {
  it("a decoder that cannot load is named as the problem, and loads once it can", async () => {
    const bytes = readFileSync(pydicomFile("MR_small_jpeg_ls_lossless.dcm"));
    dicomCodecLocation.charlsWasmUrl = "/nonexistent/charls-decode.wasm";
    try {
      await assert.rejects(decodeDicom(bytes), (e: unknown) => {
        assert.ok(e instanceof ImageDecodeError);
        assert.match(e.message, /JPEG-LS decoder could not be loaded/);
        assert.doesNotMatch(e.message, /damaged/);
        return true;
      });
    } finally {
      delete dicomCodecLocation.charlsWasmUrl;
    }
    // The failed load is not cached: the next file reads.
    const image = await decodeDicom(bytes);
    assert.equal(image.frames[0]?.image.width, 64);
  });
});
