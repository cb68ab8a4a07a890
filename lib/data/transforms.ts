/**
 * `torchvision.transforms`: Compose, ToTensor, Normalize, Lambda. A transform is a function of one
 * sample (`transform(image)` works). Those that can also carry `batched`, the same transform
 * applied to a whole batch on typed arrays: a DataLoader over MNIST then builds each batch in one
 * pass over the bytes instead of one tensor per image.
 */
import { inspect } from "node:util";
import { inspectCustom } from "../display/inspect";
import * as tf from "@tensorflow/tfjs-core";
import { TorchTypeError, ValueError } from "../errors";
import { Tensor } from "../tensor/tensor";
import { fromValues } from "../tensor/creation";
import "../ops"; // installs the op methods used here (t.sub, t.div) on Tensor
import { Image } from "./image";

type Shape4 = readonly [number, number, number, number];
/** A batch of images: raw bytes [N, H, W, C] before ToTensor, float values [N, C, H, W] after. */
export type ImageBatch =
  | { readonly kind: "bytes"; readonly data: Uint8Array; readonly shape: Shape4 }
  | { readonly kind: "float"; readonly data: Float32Array; readonly shape: Shape4 };

/** A transform: a function from one sample to another (`transforms.ToTensor()`, `transforms.Normalize(mean, std)`), optionally with a batched form the DataLoader uses. */
export interface Transform<I = any, O = any> {
  (input: I): O;
  /** The same transform on a whole batch, on typed arrays; absent when the transform has none. */
  readonly batched?: (batch: ImageBatch) => ImageBatch;
  /** True when `batched` maps each pixel of a one-channel image on its own, by its value alone (ToTensor, Normalize, Compose of them). */
  readonly pointwise?: boolean;
}

type Last<T extends readonly unknown[]> = T extends readonly [...unknown[], infer L] ? L : T[number];
type In<T> = T extends (input: infer I) => unknown ? I : never;
type Out<T> = T extends (input: never) => infer O ? O : never;

/** Makes `fn` a transform that prints as `repr` (torchvision's repr, e.g. `Normalize(mean=[0.1307], std=[0.3081])`). */
function transform<I, O>(repr: string, fn: (input: I) => O, batched?: (batch: ImageBatch) => ImageBatch, pointwise = false): Transform<I, O> {
  const t = (input: I) => fn(input);
  const show = () => repr;
  return Object.assign(t, { batched, pointwise: batched !== undefined && pointwise, toString: show, [inspectCustom]: show });
}

/** `transforms.X(...)` and `new transforms.X(...)` both work, as torchvision's classes are called without `new`. */
function newOptional<A extends unknown[], T>(make: (...args: A) => T): { (...args: A): T; new (...args: A): T } {
  return function (...args: A) { return make(...args); } as unknown as { (...args: A): T; new (...args: A): T };
}

type Composed<T extends readonly Transform[]> = Transform<In<T[0]>, Out<Last<T>>>;
/** Generic factories spelled out: passing them through newOptional would erase their type parameters. */
interface ComposeFactory {
  <const T extends readonly Transform[]>(transforms: T): Composed<T>;
  new <const T extends readonly Transform[]>(transforms: T): Composed<T>;
}
interface LambdaFactory {
  <I, O>(fn: (input: I) => O): Transform<I, O>;
  new <I, O>(fn: (input: I) => O): Transform<I, O>;
}

/** Runs the transforms in order. */
export const Compose: ComposeFactory = newOptional(<const T extends readonly Transform[]>(transforms: T): Composed<T> => {
  if (!Array.isArray(transforms)) throw new TorchTypeError("Compose expects an array of transforms: transforms.Compose([transforms.ToTensor(), ...])");
  transforms.forEach((t, i) => {
    if (typeof t !== "function") throw new TorchTypeError(`Compose: item ${i} is ${inspect(t)}, not a transform (a function of one sample)`);
  });
  const repr = `Compose(\n${transforms.map((t) => `    ${String(t).split("\n").join("\n    ")}`).join("\n")}\n)`;
  const steps = transforms.map((t) => t.batched);
  const batched = steps.every((b) => b !== undefined)
    ? (batch: ImageBatch) => steps.reduce((b, step) => step!(b), batch)
    : undefined;
  return transform(repr, (x: In<T[0]>) => transforms.reduce((v, t) => t(v), x as unknown) as Out<Last<T>>, batched, transforms.every((t) => t.pointwise));
});

/** An 8-bit image (H × W × C bytes) → a float tensor [C, H, W] with values in [0, 1]. */
export const ToTensor = newOptional((): Transform<Image, Tensor> => transform("ToTensor()", (pic: Image) => {
  if (!(pic instanceof Image)) {
    throw new TorchTypeError(`ToTensor: pic should be an Image (what datasets such as MNIST give), got ${describe(pic)}` +
      ((pic as unknown) instanceof Tensor ? "; it is a tensor already, so leave ToTensor out" : ""));
  }
  const [c, h, w] = [pic.channels, pic.height, pic.width];
  return new Tensor(tf.tensor(toChannelsFirst(pic.data, 1, h, w, c), [c, h, w], "float32"));
}, (batch) => {
  if (batch.kind !== "bytes") throw new TorchTypeError("ToTensor: the images are tensors already (ToTensor appears twice in Compose?)");
  const [n, h, w, c] = batch.shape;
  return { kind: "float", data: toChannelsFirst(batch.data, n, h, w, c), shape: [n, c, h, w] };
}, true));

/** bytes [N, H, W, C] → floats [N, C, H, W] divided by 255. */
function toChannelsFirst(bytes: Uint8Array, n: number, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(bytes.length);
  // x / 255 in double then rounded to float32 is PyTorch's float32 x / 255 exactly.
  if (c === 1) {
    for (let i = 0; i < bytes.length; i++) out[i] = bytes[i] / 255;
    return out;
  }
  const plane = h * w;
  for (let img = 0; img < n; img++) {
    const base = img * plane * c;
    for (let p = 0; p < plane; p++) for (let k = 0; k < c; k++) out[base + k * plane + p] = bytes[base + p * c + k] / 255;
  }
  return out;
}

/** (x − mean[c]) / std[c] per channel of a float tensor [..., C, H, W]; `Normalize([0.1307], [0.3081])` for MNIST. */
export const Normalize = newOptional((mean: number | readonly number[], std: number | readonly number[]): Transform<Tensor, Tensor> => {
  const m = typeof mean === "number" ? [mean] : [...mean];
  const s = typeof std === "number" ? [std] : [...std];
  if (m.length === 0 || m.length !== s.length && s.length !== 1 && m.length !== 1) {
    throw new ValueError(`Normalize: mean has ${m.length} values and std ${s.length}; give one per channel (or one for all)`);
  }
  if ([...m, ...s].some((v) => typeof v !== "number" || !Number.isFinite(v))) {
    throw new ValueError(`Normalize: mean and std must be finite numbers, got mean=[${m}] std=[${s}]`);
  }
  if (s.some((v) => Math.fround(v) === 0)) {
    throw new ValueError(`Normalize: std evaluated to zero after conversion to float32, leading to division by zero (std=[${s}])`);
  }
  const repr = `Normalize(mean=[${m.join(", ")}], std=[${s.join(", ")}])`;
  const channelsOf = (c: number, what: string) => {
    if (m.length !== 1 && m.length !== c || s.length !== 1 && s.length !== c) {
      throw new ValueError(`Normalize: ${what} has ${c} channel${c === 1 ? "" : "s"} but mean has ${m.length} values and std ${s.length}`);
    }
    const at = (v: number[], k: number) => v.length === 1 ? v[0] : v[k];
    return Array.from({ length: c }, (_, k) => ({ mean: at(m, k), std: at(s, k) }));
  };
  return transform(repr, (t: Tensor) => {
    if (!(t instanceof Tensor)) throw new TorchTypeError(`Normalize: expected a tensor image, got ${describe(t)}; put transforms.ToTensor() before Normalize`);
    if (t.dtype !== "float32") throw new TorchTypeError(`Normalize: expected a float tensor, got dtype ${t.dtype}; convert with .float()`);
    if (t.dim() < 3) throw new ValueError(`Normalize: expected a tensor image of shape [..., C, H, W], got [${t.shape.join(", ")}]`);
    const per = channelsOf(t.shape[t.dim() - 3], `the tensor of shape [${t.shape.join(", ")}]`);
    const column = (vs: number[]) => fromValues(vs, [vs.length, 1, 1]);
    return t.sub(column(per.map((p) => p.mean))).div(column(per.map((p) => p.std)));
  }, (batch) => {
    if (batch.kind !== "float") throw new TorchTypeError("Normalize: expected tensor images; put transforms.ToTensor() before Normalize");
    const [n, c, h, w] = batch.shape;
    const per = channelsOf(c, `the batch of shape [${batch.shape.join(", ")}]`);
    const out = new Float32Array(batch.data.length);
    const plane = h * w;
    for (let img = 0; img < n; img++) {
      for (let k = 0; k < c; k++) {
        // float32 like PyTorch: subtract, then divide, each rounded to float32
        const mean = Math.fround(per[k].mean), std = Math.fround(per[k].std);
        const start = (img * c + k) * plane;
        for (let p = start; p < start + plane; p++) out[p] = Math.fround(batch.data[p] - mean) / std;
      }
    }
    return { kind: "float", data: out, shape: batch.shape };
  }, true);
});

/** A user function as a transform (no batched form). */
export const Lambda = newOptional((fn: (input: unknown) => unknown): Transform => {
  if (typeof fn !== "function") throw new TorchTypeError(`Lambda: argument should be callable, got ${describe(fn)}`);
  return transform("Lambda()", fn);
}) as unknown as LambdaFactory;

function describe(v: unknown): string {
  if (v instanceof Tensor) return `a Tensor of shape [${v.shape.join(", ")}]`;
  if (v === null) return "null";
  if (typeof v === "object") return `a ${v.constructor?.name ?? "object"}`;
  return `${typeof v} ${inspect(v)}`;
}
