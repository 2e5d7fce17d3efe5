/**
 * Cuts a byte stream into fixed-size segments with one segment of look-ahead: a full segment is
 * handed out only once a later byte proves it is not the last. So the stream's last segment is
 * always known (needed for the container's final-chunk flag) while memory stays at one segment.
 * Input that arrives in whole segments (1 MiB reads for 1 MiB chunks) is held as a view, not
 * copied: callers must not modify an array after pushing it.
 */
export class SegmentBuffer {
  readonly #buffer: Uint8Array<ArrayBuffer>;
  /** A whole segment held as a view of the input instead of a copy in `#buffer`. */
  #view: Uint8Array<ArrayBuffer> | undefined;
  #filled = 0;

  constructor(segmentSize: number) {
    this.#buffer = new Uint8Array(segmentSize);
  }

  /**
   * Feeds bytes; calls `onFullSegment` for every segment known not to be the last. The view it
   * gets is reused afterwards: consume (or copy) it before the returned promise settles.
   */
  async push(
    bytes: Uint8Array,
    onFullSegment: (segment: Uint8Array<ArrayBuffer>) => Promise<void>,
  ): Promise<void> {
    const size = this.#buffer.length;
    let offset = 0;
    while (offset < bytes.length) {
      if (this.#filled === size) {
        await onFullSegment(this.#view ?? this.#buffer);
        this.#view = undefined;
        this.#filled = 0;
      }
      if (
        this.#filled === 0 &&
        bytes.length - offset >= size &&
        bytes.buffer instanceof ArrayBuffer
      ) {
        this.#view = (bytes as Uint8Array<ArrayBuffer>).subarray(offset, offset + size);
        this.#filled = size;
        offset += size;
        continue;
      }
      const take = Math.min(size - this.#filled, bytes.length - offset);
      this.#buffer.set(bytes.subarray(offset, offset + take), this.#filled);
      this.#filled += take;
      offset += take;
    }
  }

  /** The bytes held back: the last segment (possibly short or empty). */
  rest(): Uint8Array<ArrayBuffer> {
    return (this.#view ?? this.#buffer).subarray(0, this.#filled);
  }
}
