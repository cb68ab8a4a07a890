/**
 * The IDX format of the original MNIST files (yann.lecun.com/exdb/mnist): a big-endian header —
 * two zero bytes, a type byte (0x08 = unsigned byte), the number of dimensions — then one uint32
 * size per dimension, then the values, row-major. `.gz` files are gunzipped first.
 */
import fs from "node:fs";
import zlib from "node:zlib";
import { TorchError } from "../errors";

/** A file that is not the IDX file it should be (wrong magic number, sizes or length). */
export class IdxError extends TorchError {}

export interface IdxArray {
  readonly shape: readonly number[];
  /** The values, a view into the file's bytes (no copy). */
  readonly data: Uint8Array;
}

const UNSIGNED_BYTE = 0x08;

/** Parses unsigned-byte IDX bytes and checks them against the expected shape. */
export function parseIdx(bytes: Uint8Array, expectedShape: readonly number[], source: string): IdxArray {
  const rank = expectedShape.length;
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw new IdxError(`${source}: ${bytes.length} bytes is too short for an IDX header (${headerBytes} bytes); the file is truncated or not an IDX file`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const expectedMagic = (UNSIGNED_BYTE << 8) | rank; // 2049 for labels, 2051 for images
  if (magic !== expectedMagic) {
    throw new IdxError(`${source}: magic number ${magic} (0x${hex(magic)}), expected ${expectedMagic} (0x${hex(expectedMagic)}, ` +
      `unsigned bytes in ${rank} dimension${rank > 1 ? "s" : ""}); is this the right file${source.endsWith(".gz") ? "" : ", or a .gz without the .gz name"}?`);
  }
  const shape = expectedShape.map((_, i) => view.getUint32(4 + 4 * i, false));
  if (shape.some((d, i) => d !== expectedShape[i])) {
    throw new IdxError(`${source}: the header says shape [${shape.join(", ")}], expected [${expectedShape.join(", ")}]`);
  }
  const count = shape.reduce((a, d) => a * d, 1);
  if (bytes.length !== headerBytes + count) {
    const what = bytes.length < headerBytes + count ? "truncated" : "longer than its header says";
    throw new IdxError(`${source}: ${bytes.length} bytes, expected ${headerBytes + count} (header ${headerBytes} + ${count} values): the file is ${what}; replace it with a fresh copy`);
  }
  return { shape, data: bytes.subarray(headerBytes) };
}

/** Reads an IDX file (gunzipping names ending in .gz) and checks it. */
export function readIdx(file: string, expectedShape: readonly number[]): IdxArray {
  let bytes: Uint8Array = fs.readFileSync(file);
  if (file.endsWith(".gz")) {
    try {
      bytes = zlib.gunzipSync(bytes);
    } catch (e) {
      throw new IdxError(`${file}: not a valid gzip file (${(e as Error).message}); replace it with a fresh copy`);
    }
  }
  return parseIdx(bytes, expectedShape, file);
}

function hex(n: number): string {
  return n.toString(16).padStart(8, "0");
}
