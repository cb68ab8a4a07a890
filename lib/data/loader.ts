/**
 * `torch.utils.data.DataLoader`: batches of a dataset, in order or shuffled (a new permutation
 * from the library's generator at the start of each pass, so `torch.manualSeed` repeats it).
 * Iterate with `for (const [inputs, target] of loader)` or `for await` (which lets the event loop
 * turn between batches: other output, interrupts, and freeing of collected tensors).
 * Batches are made when asked for and not kept.
 */
import { inspect } from "node:util";
import { inspectCustom } from "../display/inspect";
import { checkOptions, ValueError } from "../errors";
import { randperm } from "../tensor/random";
import type { Collated } from "./collate";
import { batchOf, isMapDataset, type MapDataset } from "./dataset";

/** The options of `DataLoader`, as PyTorch's keyword arguments. */
export interface DataLoaderOptions<S, B> {
  /** Samples per batch (default 1). */
  batchSize?: number;
  /** Reshuffle the samples at every pass (default false). */
  shuffle?: boolean;
  /** Leave out the last batch when it is smaller than batchSize (default false). */
  dropLast?: boolean;
  /** Turns a list of samples into a batch (default: stack them with `defaultCollate`, through `dataset.getBatch`). */
  collateFn?: (samples: S[]) => B;
}

/**
 * Combines a dataset and a sampler and iterates over batches (`torch.utils.data.DataLoader`):
 * `new DataLoader(trainDataset, { batchSize: 64, shuffle: true })`, then
 * `for (const [inputs, target] of trainLoader)`. `length` is the number of batches (`len(loader)`).
 */
export class DataLoader<S, B = Collated<S>> implements Iterable<B>, AsyncIterable<B> {
  /** Samples per batch. */
  readonly batchSize: number;
  /** Whether the samples are reshuffled at every pass. */
  readonly shuffle: boolean;
  /** Whether the last, smaller batch is left out. */
  readonly dropLast: boolean;
  /** The function that makes a batch of samples, or undefined for the default (stacking). */
  readonly collateFn: ((samples: S[]) => B) | undefined;

  constructor(
    /** The dataset to load from: a Dataset, or any object with `length` and `getItem(i)`. */
    readonly dataset: MapDataset<S>,
    opts: DataLoaderOptions<S, B> = {},
  ) {
    checkOptions(opts, ["batchSize", "shuffle", "dropLast", "collateFn"], "DataLoader");
    if (!isMapDataset(dataset)) {
      throw new ValueError("DataLoader: expected a dataset, an object with a whole-number `length` and a `getItem(index)` method " +
        `(datasets.MNIST, TensorDataset, a class extending data.Dataset, or your own), got ${inspect(dataset, { depth: 0 })}`);
    }
    this.batchSize = opts.batchSize ?? 1;
    if (!Number.isInteger(this.batchSize) || this.batchSize <= 0) {
      throw new ValueError(`batchSize should be a positive integer value, but got batchSize=${opts.batchSize}`);
    }
    this.shuffle = opts.shuffle ?? false;
    this.dropLast = opts.dropLast ?? false;
    this.collateFn = opts.collateFn;
  }

  /** Batches per pass (`len(loader)`). */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The index lists of one pass. */
  private *batches(): Generator<Int32Array> {
    const n = this.dataset.length;
    const order = this.shuffle ? randperm(n) : Int32Array.from({ length: n }, (_, i) => i);
    for (let b = 0; b < this.length; b++) yield order.subarray(b * this.batchSize, Math.min(n, (b + 1) * this.batchSize));
  }

  private fetch(indices: Int32Array): B {
    if (this.collateFn) return this.collateFn(Array.from(indices, (i) => this.dataset.getItem(i)));
    return batchOf(this.dataset, indices) as unknown as B;
  }

  *[Symbol.iterator](): Iterator<B> {
    for (const indices of this.batches()) yield this.fetch(indices);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<B> {
    for (const indices of this.batches()) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      yield this.fetch(indices);
    }
  }

  toString(): string {
    return `DataLoader(${String(this.dataset).split("\n")[0]}, batchSize=${this.batchSize}, shuffle=${this.shuffle}, dropLast=${this.dropLast}: ${this.length} batches)`;
  }
  [inspectCustom](): string {
    return this.toString();
  }
}
