/**
 * Cuts a byte stream into fixed-size segments with one segment of look-ahead: a full segment is
 * handed out only once a later byte proves it is not the last. So the stream's last segment is
 * always known (needed for the container's final-chunk flag) while memory stays at one segment.
 */
export class SegmentBuffer {
  readonly #buffer: Uint8Array<ArrayBuffer>;
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
    let offset = 0;
    while (offset < bytes.length) {
      if (this.#filled === this.#buffer.length) {
        await onFullSegment(this.#buffer);
        this.#filled = 0;
      }
      const take = Math.min(this.#buffer.length - this.#filled, bytes.length - offset);
      this.#buffer.set(bytes.subarray(offset, offset + take), this.#filled);
      this.#filled += take;
      offset += take;
    }
  }

  /** The bytes held back: the last segment (possibly short or empty). */
  rest(): Uint8Array<ArrayBuffer> {
    return this.#buffer.subarray(0, this.#filled);
  }
}
