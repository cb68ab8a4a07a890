/** Making tensors: torch.tensor, torch.Tensor, zeros/ones/full/rand/randn/arange and *_like. */
import * as tf from "@tensorflow/tfjs-core";
import { RuntimeError, TorchTypeError, ValueError, shapeStr } from "../errors";
import { checkAllocation } from "../backend/memory";
import { fillNormal, fillUniform, randint as uniformInt } from "./random";
import { Tensor, tfDtype, type DType, type Nested } from "./tensor";

/** Options of the tensor factories: `dtype` (default float32, int64 for integer data) and `requiresGrad` (default false). */
export interface TensorOptions {
  /** The element type; by default float32 (int64 for integer data in `torch.tensor`). */
  dtype?: DType;
  /** Record operations on the tensor for autograd (`requires_grad=True`). */
  requiresGrad?: boolean;
}

type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Uint8ClampedArray;
export type TensorData = Nested | TypedArray;

/** Infers the shape of nested arrays and checks that they are rectangular. */
function nestedShape(data: Nested, path = "data"): number[] {
  if (!Array.isArray(data)) return [];
  if (data.length === 0) return [0];
  const inner = nestedShape(data[0], `${path}[0]`);
  data.forEach((row, i) => {
    const s = nestedShape(row, `${path}[${i}]`);
    if (s.length !== inner.length || s.some((d, k) => d !== inner[k])) {
      throw new ValueError(`expected sequence of length ${inner[0] ?? "scalar"} at dim ${path.split("[").length - 1} (got ${Array.isArray(row) ? row.length : "a scalar"} at ${path}[${i}]): nested arrays must be rectangular`);
    }
  });
  return [data.length, ...inner];
}

function inferDtype(flat: ArrayLike<number | boolean>, source: TensorData): DType {
  if (source instanceof Float32Array || source instanceof Float64Array) return "float32";
  if (ArrayBuffer.isView(source)) return "int64";
  let allInt = true;
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i];
    if (typeof v === "boolean") return "bool";
    if (!Number.isInteger(v)) allInt = false;
  }
  return allInt && flat.length > 0 ? "int64" : "float32";
}

/**
 * `torch.tensor(data, { dtype, requiresGrad })`. Like PyTorch, whole numbers give int64 and any
 * fraction gives float32 (write `{ dtype: "float32" }` or use `torch.Tensor(...)` for floats).
 */
export function tensor(data: TensorData | Tensor, opts: TensorOptions = {}): Tensor {
  if (data instanceof Tensor) return fromValues(data.dataSync(), [...data.shape], opts.dtype ?? data.dtype, opts.requiresGrad);
  let shape: number[];
  let flat: ArrayLike<number | boolean>;
  if (ArrayBuffer.isView(data)) {
    shape = [data.length];
    flat = data as ArrayLike<number>;
  } else if (typeof data === "number" || typeof data === "boolean" || Array.isArray(data)) {
    shape = nestedShape(data);
    flat = Array.isArray(data) ? ((data as unknown[]).flat(Infinity) as (number | boolean)[]) : [data];
  } else {
    throw new TorchTypeError(`torch.tensor: expected nested arrays of numbers, a typed array or a Tensor, got ${typeof data}`);
  }
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i];
    if (typeof v !== "number" && typeof v !== "boolean") {
      throw new TorchTypeError(`torch.tensor: element ${i} is ${JSON.stringify(v)}; only numbers and booleans can go in a tensor`);
    }
  }
  return fromValues(flat, shape, opts.dtype ?? inferDtype(flat, data as TensorData), opts.requiresGrad);
}

/** A whole number as nnlab stores int64 (int32); outside that range it would wrap around, so it raises. */
export function int32Value(v: number, what: string): number {
  const n = Math.trunc(v);
  if (n > 2147483647 || n < -2147483648) {
    throw new RuntimeError(`integer overflow: ${what} ${n} is outside [-2147483648, 2147483647], the range nnlab stores int64 in ` +
      "(PyTorch keeps 64 bits); use a float32 tensor ({ dtype: \"float32\" }, whole numbers exact up to 2^24) or smaller numbers");
  }
  return n;
}

/** A tensor from flat row-major values. */
export function fromValues(values: ArrayLike<number | boolean>, shape: readonly number[], dtype: DType = "float32", requiresGrad = false): Tensor {
  const n = shape.reduce((a, d) => a * d, 1);
  if (values.length !== n) throw new ValueError(`${values.length} values cannot fill a tensor of shape ${shapeStr(shape)} (${n} elements)`);
  const buf = dtype === "float32" ? Float32Array.from(values as ArrayLike<number>, Number)
    : dtype === "bool" ? Uint8Array.from(values as ArrayLike<number>, (v) => (v ? 1 : 0))
    : Int32Array.from(values as ArrayLike<number>, (v) => int32Value(Number(v), "the int64 value"));
  const t = new Tensor(tf.tensor(buf, [...shape], tfDtype(dtype)));
  return requiresGrad ? t.requiresGrad_(true) : t;
}

/** `torch.Tensor([...])`: the legacy constructor; always float32. Works with or without `new`. */
export interface TensorConstructor {
  (data: TensorData): Tensor;
  new (data: TensorData): Tensor;
  readonly prototype: Tensor;
}
export const TensorFactory = function TensorFactory(data: TensorData): Tensor {
  return tensor(data, { dtype: "float32" });
} as unknown as TensorConstructor;
Object.defineProperty(TensorFactory, "prototype", { value: Tensor.prototype });
Object.defineProperty(TensorFactory, Symbol.hasInstance, { value: (v: unknown) => v instanceof Tensor });

type ShapeArgs = (number | number[] | TensorOptions)[];

/** Accepts `zeros(2, 3)`, `zeros([2, 3])` and a trailing options object. */
function parseShape(args: ShapeArgs, what: string): { shape: number[]; opts: TensorOptions } {
  const last = args[args.length - 1];
  const opts = typeof last === "object" && last !== null && !Array.isArray(last) ? (args.pop() as TensorOptions) : {};
  const shape = (args.length === 1 && Array.isArray(args[0]) ? args[0] : args) as number[];
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new RuntimeError(`${what}: sizes must be non-negative integers, got ${shapeStr(shape)}`);
  }
  return { shape: [...shape], opts };
}

function make(h: tf.Tensor, opts: TensorOptions): Tensor {
  const t = new Tensor(h);
  return opts.requiresGrad ? t.requiresGrad_(true) : t;
}

// zeros and ones fill a backend buffer (the Fill kernel) instead of uploading a JS array of the
// same size, so that the backend's allocation check sees them first.
/** A tensor filled with 0 of the given shape: `torch.zeros(2, 3)` or `torch.zeros([2, 3], { dtype: torch.int64 })`. */
export function zeros(...args: ShapeArgs): Tensor {
  const { shape, opts } = parseShape(args, "zeros");
  return make(tf.fill(shape, 0, tfDtype(opts.dtype ?? "float32")), opts);
}
/** A tensor filled with 1 of the given shape: `torch.ones(2, 3)`. */
export function ones(...args: ShapeArgs): Tensor {
  const { shape, opts } = parseShape(args, "ones");
  return make(tf.fill(shape, 1, tfDtype(opts.dtype ?? "float32")), opts);
}
/** A tensor of shape `shape` filled with `value` (`torch.full`). */
export function full(shape: number[], value: number, opts: TensorOptions = {}): Tensor {
  parseShape([shape], "full");
  const dtype = opts.dtype ?? (Number.isInteger(value) ? "int64" : "float32");
  return make(tf.fill(shape, dtype === "int64" ? int32Value(value, "the fill value") : value, tfDtype(dtype)), opts);
}
/** The JS buffer random values are drawn into before they go to the backend, once it is known to fit there. */
function hostFloats(shape: number[]): Float32Array {
  checkAllocation(shape, "float32");
  return new Float32Array(shape.reduce((a, d) => a * d, 1));
}
/** Random numbers drawn uniformly from [0, 1), of the given shape (`torch.rand`); repeatable with `torch.manualSeed`. */
export function rand(...args: ShapeArgs): Tensor {
  const { shape, opts } = parseShape(args, "rand");
  return make(tf.tensor(fillUniform(hostFloats(shape), 0, 1), shape), opts);
}
/** Random numbers from the standard normal distribution (mean 0, variance 1), of the given shape (`torch.randn`); repeatable with `torch.manualSeed`. */
export function randn(...args: ShapeArgs): Tensor {
  const { shape, opts } = parseShape(args, "randn");
  return make(tf.tensor(fillNormal(hostFloats(shape)), shape), opts);
}
/**
 * Random integers drawn uniformly from `[low, high)`, int64, of shape `size`: `torch.randint(10, [3])`
 * or `torch.randint(-5, 5, [2, 3])` (PyTorch's `torch.randint(low=0, high, size)`); repeatable with
 * `torch.manualSeed`. The options take `dtype: "float32"` for whole numbers as floats.
 */
export function randint(...args: [high: number, size: readonly number[], opts?: TensorOptions] | [low: number, high: number, size: readonly number[], opts?: TensorOptions]): Tensor {
  const sizeAt = args.findIndex((a) => Array.isArray(a));
  if (sizeAt !== 1 && sizeAt !== 2) {
    throw new TorchTypeError("randint expects (high, size) or (low, high, size) with size an array of sizes: torch.randint(10, [3]) or torch.randint(0, 10, [2, 3])");
  }
  const [low, high] = (sizeAt === 1 ? [0, args[0]] : [args[0], args[1]]) as [number, number];
  const { shape, opts } = parseShape([args[sizeAt] as number[], ...(args.slice(sizeAt + 1) as TensorOptions[])], "randint");
  if (!Number.isInteger(low) || !Number.isInteger(high)) throw new TorchTypeError(`randint: low and high must be integers, got low=${low}, high=${high}`);
  if (low >= high) throw new RuntimeError(`randint: high must be greater than low (the range is [low, high)), got low=${low}, high=${high}`);
  const dtype = opts.dtype ?? "int64";
  if (dtype !== "int64" && dtype !== "float32") throw new TorchTypeError(`randint: dtype must be "int64" or "float32", got ${JSON.stringify(dtype)}`);
  int32Value(low, "randint's low");
  int32Value(high - 1, "randint's high - 1");
  checkAllocation(shape, tfDtype(dtype));
  const count = shape.reduce((a, d) => a * d, 1);
  const values = dtype === "int64" ? new Int32Array(count) : new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = low + uniformInt(high - low);
  return make(tf.tensor(values, shape, tfDtype(dtype)), opts);
}

/** Zeros with the shape and dtype of `t` (`torch.zeros_like`). */
export function zerosLike(t: Tensor, opts: TensorOptions = {}): Tensor { return zeros([...t.shape], { dtype: t.dtype, ...opts }); }
/** Ones with the shape and dtype of `t` (`torch.ones_like`). */
export function onesLike(t: Tensor, opts: TensorOptions = {}): Tensor { return ones([...t.shape], { dtype: t.dtype, ...opts }); }
/** Standard normal random numbers with the shape of `t` (`torch.randn_like`). */
export function randnLike(t: Tensor): Tensor { return randn([...t.shape]); }

/** `arange(end)`, `arange(start, end, step?)`. */
export function arange(a: number, b?: number, step = 1, opts: TensorOptions = {}): Tensor {
  const [start, end] = b === undefined ? [0, a] : [a, b];
  if (step === 0) throw new RuntimeError("arange: step must be nonzero");
  const ints = [start, end, step].every(Number.isInteger) && opts.dtype !== "float32";
  if (ints) [start, end].forEach((v) => int32Value(v, "the arange bound"));
  return make(tf.range(start, end, step, ints ? "int32" : "float32"), opts);
}
