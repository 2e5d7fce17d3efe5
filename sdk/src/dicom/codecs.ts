import jpeg from "jpeg-js";
import { Decoder as LosslessJpegDecoder } from "jpeg-lossless-decoder-js";
import { ImageDecodeError, UnsupportedDicomError } from "../errors.ts";
import { decodeRleFrame } from "./rle.ts";

/** The transfer syntaxes read (docs/interfaces.md section 2.0), by UID. */
export const TRANSFER_SYNTAXES = {
  "1.2.840.10008.1.2": { name: "Implicit VR Little Endian", encoding: "native" },
  "1.2.840.10008.1.2.1": { name: "Explicit VR Little Endian", encoding: "native" },
  "1.2.840.10008.1.2.1.99": { name: "Deflated Explicit VR Little Endian", encoding: "native" },
  "1.2.840.10008.1.2.2": { name: "Explicit VR Big Endian", encoding: "native-big-endian" },
  "1.2.840.10008.1.2.4.50": { name: "JPEG Baseline (8-bit)", encoding: "jpeg-baseline" },
  "1.2.840.10008.1.2.4.57": { name: "JPEG Lossless", encoding: "jpeg-lossless" },
  "1.2.840.10008.1.2.4.70": { name: "JPEG Lossless SV1", encoding: "jpeg-lossless" },
  "1.2.840.10008.1.2.4.80": { name: "JPEG-LS Lossless", encoding: "jpeg-ls" },
  "1.2.840.10008.1.2.4.81": { name: "JPEG-LS Near-Lossless", encoding: "jpeg-ls" },
  "1.2.840.10008.1.2.4.90": { name: "JPEG 2000 Lossless", encoding: "jpeg-2000" },
  "1.2.840.10008.1.2.4.91": { name: "JPEG 2000", encoding: "jpeg-2000" },
  "1.2.840.10008.1.2.5": { name: "RLE Lossless", encoding: "rle" },
} as const;

export type TransferSyntaxUid = keyof typeof TRANSFER_SYNTAXES;
export type PixelEncoding = (typeof TRANSFER_SYNTAXES)[TransferSyntaxUid]["encoding"];

const KNOWN_UNSUPPORTED: Record<string, string> = {
  "1.2.840.10008.1.2.4.51": "JPEG Extended (12-bit lossy)",
  "1.2.840.10008.1.2.4.201": "High-Throughput JPEG 2000 Lossless",
  "1.2.840.10008.1.2.4.202": "High-Throughput JPEG 2000 (RPCL)",
  "1.2.840.10008.1.2.4.203": "High-Throughput JPEG 2000",
  "1.2.840.10008.1.2.4.100": "MPEG2 video",
  "1.2.840.10008.1.2.4.102": "MPEG-4 video",
};

/** The encoding of a transfer syntax; a clear error for any syntax not read. */
export function pixelEncoding(uid: string): { name: string; encoding: PixelEncoding } {
  const known = TRANSFER_SYNTAXES[uid as TransferSyntaxUid];
  if (known) return known;
  throw new UnsupportedDicomError(
    `The DICOM file uses the transfer syntax ${KNOWN_UNSUPPORTED[uid] ?? uid}, which NeuroLedger does not read.`,
    {
      details: `Transfer syntax UID ${uid}.`,
      hints: [
        "Convert it with dcmtk (`dcmdjpeg`, `dcmconv +te`) or export from the PACS as uncompressed, JPEG lossless, JPEG-LS, JPEG 2000 or RLE.",
      ],
    },
  );
}

/** A decoded frame: native little-endian samples, interleaved; `samples` may change (JPEG baseline gives RGB). */
export interface DecodedFrame {
  bytes: Uint8Array;
  /** Bytes per sample in `bytes`: 1 or 2 (or 4 for 32-bit native data). */
  bytesPerSample: number;
  samples: number;
}

export interface FrameGeometry {
  rows: number;
  columns: number;
  samples: number;
  bitsAllocated: number;
}

/** An Emscripten-built codec module from @cornerstonejs (CharLS or OpenJPEG), the part we use. */
interface WasmCodecDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getFrameInfo(): { width: number; height: number; bitsPerSample: number; componentCount: number };
  getDecodedBuffer(): Uint8Array;
  delete(): void;
}
type WasmCodecModule = Record<string, new () => WasmCodecDecoder>;
type WasmCodecFactory = (options?: object) => Promise<WasmCodecModule>;

/**
 * Where the browser finds the codecs' `.wasm` files (bundlers move them). Node finds them beside the
 * package's JavaScript by itself. Set once, before the first JPEG-LS / JPEG 2000 file.
 */
export const dicomCodecLocation: { charlsWasmUrl?: string; openjpegWasmUrl?: string } = {};

const loaded = new Map<string, Promise<WasmCodecModule>>();

function loadCodec(which: "charls" | "openjpeg"): Promise<WasmCodecModule> {
  let module = loaded.get(which);
  if (!module) {
    const url =
      which === "charls" ? dicomCodecLocation.charlsWasmUrl : dicomCodecLocation.openjpegWasmUrl;
    // The codecs print progress lines ("[INFO] ...") to stdout unless told otherwise: silence them,
    // a CLI's --json output must stay one JSON line.
    const quiet = { print: () => {}, printErr: () => {} };
    const options = url
      ? { ...quiet, locateFile: (file: string) => (file.endsWith(".wasm") ? url : file) }
      : quiet;
    const imported =
      which === "charls"
        ? import("@cornerstonejs/codec-charls/decodewasmjs")
        : import("@cornerstonejs/codec-openjpeg/decodewasmjs");
    module = imported.then((m) => {
      const factory = ((m as { default?: unknown }).default ?? m) as WasmCodecFactory;
      return factory(options);
    });
    module.catch(() => loaded.delete(which));
    loaded.set(which, module);
  }
  return module;
}

async function decodeWithWasm(
  which: "charls" | "openjpeg",
  encoded: Uint8Array,
  geometry: FrameGeometry,
): Promise<DecodedFrame> {
  const codec = await loadCodec(which).catch((cause: unknown) => {
    // Not the file's fault: say so, rather than call a good file damaged.
    throw new ImageDecodeError(
      `The ${which === "charls" ? "JPEG-LS" : "JPEG 2000"} decoder could not be loaded, so this file could not be read (the file itself may be fine).`,
      {
        details: String((cause as Error)?.message ?? cause),
        hints: [
          "In a browser or worker, set dicomCodecLocation's wasm URL before the first compressed file.",
        ],
        cause,
      },
    );
  });
  const decoder = new (which === "charls" ? codec.JpegLSDecoder! : codec.J2KDecoder!)();
  try {
    decoder.getEncodedBuffer(encoded.length).set(encoded);
    decoder.decode();
    const info = decoder.getFrameInfo();
    if (info.width !== geometry.columns || info.height !== geometry.rows) {
      throw new ImageDecodeError("The compressed frame's size does not match the DICOM header.", {
        details: `Frame ${info.width}x${info.height}, header ${geometry.columns}x${geometry.rows}.`,
      });
    }
    return {
      bytes: decoder.getDecodedBuffer().slice(), // a copy: the view is into the codec's memory
      bytesPerSample: info.bitsPerSample > 8 ? 2 : 1,
      samples: info.componentCount,
    };
  } finally {
    decoder.delete();
  }
}

function decodeJpegBaseline(encoded: Uint8Array, geometry: FrameGeometry): DecodedFrame {
  const image = jpeg.decode(encoded, {
    useTArray: true,
    formatAsRGBA: false,
    maxMemoryUsageInMB: 1024,
  });
  if (image.width !== geometry.columns || image.height !== geometry.rows) {
    throw new ImageDecodeError("The JPEG frame's size does not match the DICOM header.");
  }
  if (geometry.samples === 1) {
    const grey = new Uint8Array(image.width * image.height);
    for (let i = 0; i < grey.length; i++) grey[i] = image.data[3 * i]!;
    return { bytes: grey, bytesPerSample: 1, samples: 1 };
  }
  return { bytes: image.data, bytesPerSample: 1, samples: 3 };
}

function decodeJpegLossless(encoded: Uint8Array, geometry: FrameGeometry): DecodedFrame {
  const bytesPerSample = geometry.bitsAllocated > 8 ? 2 : 1;
  const copy = new Uint8Array(encoded); // a copy that owns its buffer (Node Buffers share a pool)
  const decoded = new LosslessJpegDecoder().decode(
    copy.buffer,
    0,
    copy.byteLength,
    bytesPerSample,
  ) as Uint8Array | Uint16Array | Int16Array;
  const bytes = new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.byteLength);
  return { bytes, bytesPerSample, samples: geometry.samples };
}

/** Decodes one compressed frame (the encapsulated fragments of one frame, joined). */
export async function decodeCompressedFrame(
  encoding: Exclude<PixelEncoding, "native" | "native-big-endian">,
  encoded: Uint8Array,
  geometry: FrameGeometry,
): Promise<DecodedFrame> {
  try {
    switch (encoding) {
      case "jpeg-baseline":
        return decodeJpegBaseline(encoded, geometry);
      case "jpeg-lossless":
        return decodeJpegLossless(encoded, geometry);
      case "jpeg-ls":
        return await decodeWithWasm("charls", encoded, geometry);
      case "jpeg-2000":
        return await decodeWithWasm("openjpeg", encoded, geometry);
      case "rle": {
        const bytesPerSample = geometry.bitsAllocated / 8;
        return {
          bytes: decodeRleFrame(
            encoded,
            geometry.rows,
            geometry.columns,
            geometry.samples,
            bytesPerSample,
          ),
          bytesPerSample,
          samples: geometry.samples,
        };
      }
    }
  } catch (cause) {
    if (cause instanceof ImageDecodeError) throw cause;
    throw new ImageDecodeError(
      `The DICOM pixel data (${encoding}) could not be decoded: it is damaged or truncated.`,
      {
        details: String((cause as Error)?.message ?? cause),
        cause,
      },
    );
  }
}
