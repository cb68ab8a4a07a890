/**
 * Python's `enumerate`: `for (const [batchIdx, [inputs, target]] of enumerate(trainLoader))`.
 * Works with `for await` too, and keeps the source's `length` (for progress bars).
 */
import { TorchTypeError } from "../errors";

export class Enumerated<T> implements Iterable<[number, T]>, AsyncIterable<[number, T]> {
  constructor(private readonly source: Iterable<T> | AsyncIterable<T>, private readonly start: number) {}

  /** The source's `length`, when it has one (a DataLoader's number of batches). */
  get length(): number | undefined {
    const n = (this.source as { length?: unknown }).length;
    return typeof n === "number" ? n : undefined;
  }

  *[Symbol.iterator](): Iterator<[number, T]> {
    if (!(Symbol.iterator in this.source)) throw new TorchTypeError("enumerate: this source is only async iterable; use for await (const ... of enumerate(...))");
    let i = this.start;
    for (const item of this.source) yield [i++, item];
  }

  async *[Symbol.asyncIterator](): AsyncIterator<[number, T]> {
    let i = this.start;
    for await (const item of this.source) yield [i++, item];
  }
}

/** Python's `enumerate`: `[index, item]` pairs, counting from `start` (default 0): `for (const [batchIdx, [inputs, target]] of enumerate(trainLoader))`. Works with `for await` too, and keeps the source's `length`. */
export function enumerate<T>(iterable: Iterable<T>, start?: number): Enumerated<T>;
export function enumerate<T>(iterable: AsyncIterable<T>, start?: number): AsyncIterable<[number, T]> & { readonly length: number | undefined };
export function enumerate<T>(iterable: Iterable<T> | AsyncIterable<T>, start = 0): Enumerated<T> {
  if (iterable === null || typeof iterable !== "object" && typeof iterable !== "string" || !(Symbol.iterator in Object(iterable) || Symbol.asyncIterator in Object(iterable))) {
    throw new TorchTypeError(`enumerate: ${String(iterable)} is not iterable`);
  }
  if (!Number.isInteger(start)) throw new TorchTypeError(`enumerate: start must be an integer, got ${start}`);
  return new Enumerated(iterable, start);
}
