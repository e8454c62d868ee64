/** Messages between the segment hash pool and its workers. */

/** Hash `numSectors` sectors of the first `byteLength` bytes of `buffer` (zero-padded). */
export interface SegmentHashRequest {
  readonly id: number;
  readonly buffer: ArrayBuffer;
  readonly byteLength: number;
  readonly numSectors: number;
}

/** The root, or an error message; `buffer` always comes back for reuse. */
export type SegmentHashResponse =
  | { readonly id: number; readonly root: Uint8Array; readonly buffer: ArrayBuffer; readonly error?: undefined }
  | { readonly id: number; readonly error: string; readonly buffer: ArrayBuffer; readonly root?: undefined };
