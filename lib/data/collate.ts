/**
 * `default_collate`: a list of samples → one batch. Tensors are stacked along a new first
 * dimension, numbers become a tensor (whole numbers int64, others float32, booleans bool), and
 * arrays / objects are collated position by position / key by key. Values are copied through one
 * typed array per field, never through per-element JS arrays.
 */
import { inspect } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import { RuntimeError, TorchTypeError } from "../errors";
import { Tensor, tfDtype, type DType } from "../tensor/tensor";
import { Image } from "./image";

/** The batch type for samples of type S: every tensor / number becomes a batched tensor. */
export type Collated<S> = S extends Tensor | number | boolean ? Tensor
  : S extends Image ? never
  : S extends readonly unknown[] ? { -readonly [K in keyof S]: Collated<S[K]> }
  : S extends object ? { -readonly [K in keyof S]: Collated<S[K]> }
  : never;

/** Stacks a list of samples into a batch as PyTorch's `default_collate`: tensors and numbers become one tensor with a new first dim; tuples, arrays and objects are collated field by field. */
export function defaultCollate<S>(samples: readonly S[]): Collated<S> {
  if (samples.length === 0) throw new RuntimeError("default_collate: cannot collate an empty batch");
  return collate(samples as readonly unknown[], "batch") as Collated<S>;
}

function collate(items: readonly unknown[], where: string): unknown {
  const first = items[0];
  if (first instanceof Tensor) return stackTensors(items, where);
  if (typeof first === "number" || typeof first === "boolean") return numbers(items, where);
  if (Array.isArray(first)) {
    items.forEach((it, i) => {
      if (!Array.isArray(it) || it.length !== first.length) {
        throw new RuntimeError(`default_collate: each element in ${where} should be of equal size; sample 0 has ${first.length} fields, sample ${i} ${Array.isArray(it) ? it.length : "is not an array"}`);
      }
    });
    return first.map((_, k) => collate(items.map((it) => (it as unknown[])[k]), `${where}[${k}]`));
  }
  if (typeof first === "object" && first !== null && Object.getPrototypeOf(first) === Object.prototype) {
    return Object.fromEntries(Object.keys(first).map((k) => [k, collate(items.map((it) => (it as Record<string, unknown>)[k]), `${where}.${k}`)]));
  }
  const hint = first instanceof Image ? "; give the dataset transform: transforms.ToTensor() to turn images into tensors" : "";
  throw new TorchTypeError(`default_collate: ${where} must contain tensors, numbers, booleans, arrays or plain objects; found ${inspect(first)}${hint}`);
}

function stackTensors(items: readonly unknown[], where: string): Tensor {
  const first = items[0] as Tensor;
  const shape = [...first.shape];
  const dtype = first.dtype;
  const size = first.numel();
  const out = makeBuffer(dtype, size * items.length);
  items.forEach((t, i) => {
    if (!(t instanceof Tensor) || t.dtype !== dtype || t.shape.join() !== shape.join()) {
      const got = t instanceof Tensor ? `${t.dtype} [${t.shape.join(", ")}]` : inspect(t);
      throw new RuntimeError(`stack expects each tensor to be equal size, but got ${dtype} [${shape.join(", ")}] at entry 0 and ${got} at entry ${i} (in ${where})`);
    }
    out.set(t.dataSync(), i * size);
  });
  return new Tensor(tf.tensor(out, [items.length, ...shape], tfDtype(dtype)));
}

function numbers(items: readonly unknown[], where: string): Tensor {
  const kind = typeof items[0];
  items.forEach((v, i) => {
    if (typeof v !== kind) throw new TorchTypeError(`default_collate: ${where} mixes ${kind}s and ${typeof v}s (sample ${i} is ${inspect(v)})`);
  });
  const values = items as readonly number[];
  const dtype: DType = kind === "boolean" ? "bool" : values.every(Number.isInteger) ? "int64" : "float32";
  const out = makeBuffer(dtype, values.length);
  for (let i = 0; i < values.length; i++) out[i] = Number(values[i]);
  return new Tensor(tf.tensor(out, [values.length], tfDtype(dtype)));
}

function makeBuffer(dtype: DType, n: number): Float32Array | Int32Array | Uint8Array {
  return dtype === "float32" ? new Float32Array(n) : dtype === "int64" ? new Int32Array(n) : new Uint8Array(n);
}
