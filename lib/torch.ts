/**
 * The `torch` namespace: tensors, autograd switches, devices, and torch.nn / torch.optim.
 * PyTorch's one-word names stay; multi-word ones are camelCase (manualSeed, noGrad, isAvailable).
 */
import * as tf from "@tensorflow/tfjs-core";
import { initBackend, backendInfo, type BackendInfo, type BackendOptions } from "./backend";
import { Tensor as TensorClass, type DType } from "./tensor/tensor";
import { TensorFactory } from "./tensor/creation";
import { isGradEnabled as gradEnabled, withGradMode } from "./tensor/autograd";
import { isCudaAvailable, setCudaAvailable } from "./tensor/device";
import { collectGarbage as collect } from "./tensor/memory";
import { manualSeed as seedGenerator, randperm as permutation } from "./tensor/random";
import * as dataUtils from "./data/utils";

export { Size } from "./tensor/size";
export { Device, device } from "./tensor/device";
export { RuntimeError, ValueError, IndexError, TorchError } from "./errors";
export { tensor, zeros, ones, full, rand, randn, randint, arange, zerosLike, onesLike, randnLike, type TensorOptions } from "./tensor/creation";
export type { DType, Nested } from "./tensor/tensor";
export type { ValuesIndices, IndexItem } from "./ops";
export type { DimArg } from "./tensor/tensor";
export * as nn from "./nn";
export * as optim from "./optim";
export { save, load, SerializationError, type Saveable } from "./serialization";

/**
 * `torch.utils.data`: Dataset, TensorDataset, Subset, randomSplit, DataLoader, as PyTorch spells
 * them; the same objects as the package's `data` export. A namespace, so its classes are types too
 * (`let loader: torch.utils.data.DataLoader<...>`).
 */
export namespace utils {
  export import data = dataUtils;
}

/** The tensor type, and `torch.Tensor([...])`, the float32 constructor (with or without `new`). */
export type Tensor = TensorClass;
export const Tensor = TensorFactory;

/** `torch.float32`: 32-bit floating point, the default dtype. */
export const float32: DType = "float32";
/** `torch.float`, the same as `torch.float32`. */
export const float: DType = "float32";
/** `torch.int64`: integers (class labels, indices); the backend holds them as 32-bit, and results that leave that range raise. */
export const int64: DType = "int64";
/** `torch.long`, the same as `torch.int64`. */
export const long: DType = "int64";
/** `torch.bool`: true/false, what comparisons give. */
export const bool: DType = "bool";

/**
 * Starts the fastest compute backend available (CUDA through tfjs-node-gpu, TensorFlow through
 * tfjs-node, else the embedded wasm backend). The kernel and the package's ES module entry await it
 * for you; a CommonJS script calls `await torch.ready()` once at the top (until then, making a
 * tensor is an error that says so).
 */
export async function ready(opts: BackendOptions = {}): Promise<BackendInfo> {
  const info = await initBackend(opts);
  setCudaAvailable(info.cuda);
  return info;
}

export { backendInfo };

/** `torch.cuda.isAvailable()` (PyTorch's `is_available`) and `torch.cuda.deviceCount()`: true / 1 only when tfjs-node-gpu runs on a CUDA GPU. */
export const cuda = {
  isAvailable: (): boolean => isCudaAvailable(),
  deviceCount: (): number => (isCudaAvailable() ? 1 : 0),
};

/** Sets the seed of nnlab's random number generator (`torch.manual_seed`): `randn`, `rand`, `randint`, `randperm`, weight init, dropout and DataLoader shuffling repeat from here. */
export function manualSeed(seed: number): void {
  seedGenerator(seed);
}

/** A random permutation of `0 … n-1` as an int64 tensor (`torch.randperm`). */
export function randperm(n: number): TensorClass {
  return new TensorClass(tf.tensor(permutation(n), [n], "int32"));
}

/** `with torch.no_grad():` → `torch.noGrad(() => { ... })`; async functions work too (await the result). */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}
/** Runs `fn` with gradient recording on, also inside `torch.noGrad` (`with torch.enable_grad():`). */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}
/** Whether operations are being recorded for autograd right now (`torch.is_grad_enabled()`). */
export function isGradEnabled(): boolean {
  return gradEnabled();
}

/** Backend memory in use: tensors and bytes (as tf.memory()). */
export function memory(): { numTensors: number; numBytes: number } {
  const m = tf.memory();
  return { numTensors: m.numTensors, numBytes: m.numBytes };
}

/** Frees the buffers of tensors that nothing refers to any more (runs automatically under memory pressure). */
export function collectGarbage(): void {
  collect();
}

// ---- functions that mirror Tensor methods ------------------------------------------------------
export {
  add, sub, mul, div, pow, neg, exp, log, sqrt, abs, relu, sigmoid, tanh, softmax, logSoftmax, eq,
  sum, mean, max, argmax, matmul, mm, bmm, flatten, reshape, narrow, squeeze, unsqueeze, transpose, permute, cat, stack, clone, conv2d,
} from "./ops";

/** Whether `v` is a tensor (`torch.is_tensor`). */
export function isTensor(v: unknown): v is TensorClass {
  return v instanceof TensorClass;
}
/** The number of elements of `x` (`torch.numel`). */
export function numel(x: TensorClass): number {
  return x.numel();
}
