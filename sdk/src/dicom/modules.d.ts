// Type shims for codec packages that ship no declarations (only what src/dicom uses).
declare module "jpeg-lossless-decoder-js" {
  export class Decoder {
    decode(
      buffer: ArrayBufferLike,
      offset: number,
      length: number,
      numBytes: number,
    ): Uint8Array | Uint16Array | Int16Array;
  }
}
declare module "@cornerstonejs/codec-charls/decodewasmjs" {
  const factory: (options?: object) => Promise<unknown>;
  export default factory;
}
declare module "@cornerstonejs/codec-openjpeg/decodewasmjs" {
  const factory: (options?: object) => Promise<unknown>;
  export default factory;
}
