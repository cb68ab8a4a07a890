/**
 * `torch.utils.data` datasets. A dataset has a `length` and `getItem(index)` (Python's `__len__`
 * and `__getitem__`). `getBatch(indices)` returns a whole collated batch; its default collates
 * `getItem` results, and datasets that hold typed arrays override it to gather a batch at once.
 */
import { inspectCustom } from "../display/inspect";
import * as tf from "@tensorflow/tfjs-core";
import { IndexError, ValueError } from "../errors";
import { contig } from "../tensor/layout";
import { randperm } from "../tensor/random";
import { Tensor } from "../tensor/tensor";
import "../ops"; // installs the op methods used here (t.select) on Tensor
import { defaultCollate, type Collated } from "./collate";

/**
 * What DataLoader, Subset and randomSplit accept: any object with a `length` and `getItem(index)`
 * (PyTorch's map-style dataset: `__len__` and `__getitem__`), a Dataset subclass or not.
 */
export interface MapDataset<S = unknown> {
  readonly length: number;
  getItem(index: number): S;
  /** Optional: the samples at `indices`, collated at once (Dataset's default collates `getItem` results). */
  getBatch?(indices: ArrayLike<number>): Collated<S>;
}

/** Whether `value` has what a map-style dataset needs: a whole-number `length` and a `getItem` method. */
export function isMapDataset(value: unknown): value is MapDataset {
  const d = value as { length?: unknown; getItem?: unknown } | null;
  return typeof d === "object" && d !== null && typeof d.getItem === "function" && Number.isInteger(d.length) && (d.length as number) >= 0;
}

/** The samples at `indices` of any map-style dataset, collated (its own getBatch when it has one). */
export function batchOf<S>(dataset: MapDataset<S>, indices: ArrayLike<number>): Collated<S> {
  return dataset.getBatch ? dataset.getBatch(indices) : defaultCollate(Array.from(indices, (i) => dataset.getItem(i)));
}

/** A map-style dataset (`torch.utils.data.Dataset`): subclass it with `length` and `getItem(i)`. DataLoader also takes any object that has these two. */
export abstract class Dataset<S = unknown> implements MapDataset<S> {
  /** Number of samples (`len(dataset)`). */
  abstract readonly length: number;
  /** Sample `index`, 0 ≤ index < length (`dataset[index]`). */
  abstract getItem(index: number): S;

  /** The samples at `indices`, collated. */
  getBatch(indices: ArrayLike<number>): Collated<S> {
    return defaultCollate(Array.from(indices, (i) => this.getItem(i)));
  }

  toString(): string {
    return `${this.constructor.name} (${this.length} samples)`;
  }
  [inspectCustom](): string {
    return this.toString();
  }
}

/** Throws PyTorch's IndexError unless 0 ≤ index < length; returns the index. */
export function checkIndex(index: number, length: number): number {
  if (!Number.isInteger(index) || index < 0 || index >= length) {
    throw new IndexError(`index ${index} is out of range for a dataset of size ${length} (valid: 0 to ${length - 1})`);
  }
  return index;
}

type Rows<T extends readonly Tensor[]> = { -readonly [K in keyof T]: Tensor };

/** Samples are the rows of tensors that share their first dimension: `new TensorDataset(x, y)`. */
export class TensorDataset<T extends readonly Tensor[] = Tensor[]> extends Dataset<Rows<T>> {
  /** The tensors the samples are rows of. */
  readonly tensors: T;
  constructor(...tensors: T) {
    super();
    if (tensors.length === 0) throw new ValueError("TensorDataset needs at least one tensor");
    const n = tensors[0].dim() === 0 ? NaN : tensors[0].shape[0];
    tensors.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw new ValueError(`TensorDataset: argument ${i} is not a Tensor`);
      if (t.dim() === 0 || t.shape[0] !== n) {
        throw new ValueError(`Size mismatch between tensors: tensor 0 has ${n} rows, tensor ${i} has shape [${t.shape.join(", ")}]`);
      }
    });
    this.tensors = tensors;
  }
  get length(): number {
    return this.tensors[0].shape[0];
  }
  getItem(index: number): Rows<T> {
    checkIndex(index, this.length);
    return this.tensors.map((t) => t.select(0, index).detach()) as Rows<T>;
  }
  override getBatch(indices: ArrayLike<number>): Collated<Rows<T>> {
    const idx = tf.tensor1d(Int32Array.from(indices, (i) => checkIndex(i, this.length)), "int32");
    try {
      return this.tensors.map((t) => new Tensor(tf.tidy(() => tf.gather(contig(t), idx, 0)))) as Collated<Rows<T>>;
    } finally {
      idx.dispose();
    }
  }
}

/** The samples of `dataset` at `indices`, in that order. */
export class Subset<S> extends Dataset<S> {
  /** The indices into `dataset`, in the subset's order. */
  readonly indices: Int32Array;
  constructor(
    /** The whole dataset. */
    readonly dataset: MapDataset<S>,
    indices: ArrayLike<number>,
  ) {
    super();
    this.indices = Int32Array.from(indices, (i) => checkIndex(i, dataset.length));
  }
  get length(): number {
    return this.indices.length;
  }
  getItem(index: number): S {
    return this.dataset.getItem(this.indices[checkIndex(index, this.length)]);
  }
  override getBatch(indices: ArrayLike<number>): Collated<S> {
    return batchOf(this.dataset, Int32Array.from(indices, (i) => this.indices[checkIndex(i, this.length)]));
  }
}

/** Splits `dataset` into random non-overlapping subsets of the given lengths (seeded by torch.manualSeed). */
export function randomSplit<S>(dataset: MapDataset<S>, lengths: readonly number[]): Subset<S>[] {
  const total = lengths.reduce((a, b) => a + b, 0);
  if (lengths.some((l) => !Number.isInteger(l) || l < 0) || total !== dataset.length) {
    throw new ValueError(`Sum of input lengths (${total}) does not equal the length of the input dataset (${dataset.length}); lengths must be whole numbers`);
  }
  const perm = randperm(dataset.length);
  let start = 0;
  return lengths.map((l) => new Subset(dataset, perm.subarray(start, (start += l))));
}
