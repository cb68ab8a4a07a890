/**
 * The Tensor: a PyTorch-shaped handle on a TensorFlow.js buffer, with autograd.
 *
 * Layout: `perm` says how the logical (PyTorch) axes sit in the physical buffer:
 * logical axis i is physical axis perm[i]. `null` means contiguous. Convolutions and pools keep
 * their NCHW outputs physically channels-last (perm [0, 3, 1, 2]), as PyTorch's channels_last
 * memory format does, because the backends only convolve NHWC; element-wise ops keep the layout,
 * and anything that needs logical order (view, printing, reading values) materialises it.
 *
 * This file holds what a tensor is (buffer, layout, grad, printing); the methods that are ops
 * (`t.add(u)`, `t.view(...)`, `t.sum()`) are declared on this class and installed by
 * lib/ops/methods.ts, so the tensor layer never imports the ops built on it.
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tft from "../backend/tf-types";
import { inspectCustom } from "../display/inspect";
import { DISPLAY, type MimeBundle } from "../display/protocol";
import { attach, isGradEnabled, Node, runBackward } from "./autograd";
import { IndexError, RuntimeError, ValueError, shapeStr } from "../errors";
import { contig, fromPhys, ownedIn, samePerm, toPhys } from "./layout";
import { Storage, track, untrack } from "./memory";
import { formatTensor } from "./print";
import { Size } from "./size";
import type { Device } from "./device";
import { currentDevice, parseDevice } from "./device";
import { indexable } from "./indexable";

/** The dtypes nnlab stores: `torch.float32`, `torch.int64` (held as 32-bit integers by the backend; results that leave int32 raise) and `torch.bool`. */
export type DType = "float32" | "int64" | "bool";
export type Perm = readonly number[] | null;
export type Scalar = number;
export type TensorOrScalar = Tensor | number;
/** A number, a boolean, or nested arrays of them: what `torch.tensor(data)` takes and `.tolist()` gives. */
export type Nested = number | boolean | Nested[];

const TF_DTYPE: Record<DType, tft.DataType> = { float32: "float32", int64: "int32", bool: "bool" };
const DTYPE: Partial<Record<tft.DataType, DType>> = { float32: "float32", int32: "int64", bool: "bool" };

export function tfDtype(d: DType): tft.DataType {
  return TF_DTYPE[d];
}

/** A multi-dimensional array of one dtype, with autograd (`torch.Tensor`). Made by `torch.tensor`, `torch.zeros`, `torch.randn`…; every op that PyTorch has as a method is a method here too (`x.view(-1, 320)`, `x.sum(1)`). */
export class Tensor {
  /**
   * `x[0]`, `x[-1]`, `x[0][1]`: the sub-tensor at that index of the first dimension, as
   * `x.index(0)` (negative counts from the end; out of range is PyTorch's IndexError). Slices are
   * `x.index(":", "1:3")`.
   */
  readonly [index: number]: Tensor;
  /** @internal the buffer and its layout, shared with views (`.data`, `detach()`). */
  readonly _s: Storage;
  /** Whether autograd records operations on this tensor (`requires_grad`); `.grad` is filled by `backward()` for leaves that require it. */
  requiresGrad: boolean;
  /** @internal the gradient behind `.grad`. */
  private _grad: Tensor | null = null;
  /** @internal whether code outside autograd may hold `_grad`: it was read through `.grad`, or assigned. */
  private _gradShared = false;
  /** The autograd node that made this tensor (`grad_fn`), null for leaves. */
  gradFn: Node | null = null;
  /**
   * @internal PyTorch's strides for this tensor when a view op (transpose, permute, expand, a
   * slice) made them other than the contiguous ones; null otherwise. The values here are always
   * materialised; the strides only let `view` refuse what PyTorch refuses (lib/ops/shape.ts).
   */
  _strides: readonly number[] | null = null;

  /** @internal use torch.tensor(...) and friends to make tensors. Takes ownership of `handle`. */
  constructor(handle: tft.Tensor | Storage, perm: Perm = null, requiresGrad = false) {
    this._s = (handle instanceof Storage ? handle : new Storage(handle, normPerm(perm))).retain();
    this.requiresGrad = requiresGrad;
    track(this, this._s, handle instanceof Storage ? 0 : handle.size * 4);
  }

  /** @internal the buffer, in physical layout; swapped in place by optimizers and `.data =`. */
  get _h(): tft.Tensor {
    return this._s.handle as tft.Tensor;
  }

  /** @internal see the file comment. */
  get _perm(): Perm {
    return this._s.perm;
  }

  /** @internal replaces the buffer (an in-place update, seen by every view); the old one is freed. */
  _replace(handle: tft.Tensor, perm: Perm = this._perm): void {
    const old = this._s.handle;
    this._s.handle = handle;
    this._s.perm = normPerm(perm);
    if (old !== handle) old.dispose();
  }

  /** The tensor's sizes, a `torch.Size` (`x.shape[0]`, `x.shape.length`). */
  get shape(): Size {
    const phys = this._h.shape;
    return Size.make(this._perm ? this._perm.map((p) => phys[p]) : phys);
  }

  /** The tensor's dtype: `"float32"`, `"int64"` or `"bool"`. */
  get dtype(): DType {
    const d = DTYPE[this._h.dtype];
    if (!d) throw new RuntimeError(`unsupported backend dtype ${this._h.dtype}`);
    return d;
  }

  /** The device the tensor lives on (the current backend's: `cpu` for wasm and cpu, `cuda` for tfjs-node-gpu). */
  get device(): Device {
    return currentDevice();
  }

  /** True for tensors made by the user (not by an op that autograd recorded), as `is_leaf`. */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  /** `grad_fn` as PyTorch names it, e.g. `<ConvolutionBackward0>`; null for leaves. */
  get gradFnName(): string | null {
    return this.gradFn ? this.gradFn.name : null;
  }

  /** `x.size()` is `x.shape`; `x.size(dim)` the size of one dim (negative counts from the end). */
  size(): Size;
  size(dim: number): number;
  size(dim?: number): Size | number {
    const shape = this.shape;
    return dim === undefined ? shape : shape[normDim(dim, shape.length)];
  }

  /** The number of dims (`x.dim()`, as `x.ndim`). */
  dim(): number { return this._h.rank; }
  /** The number of dims. */
  get ndim(): number { return this._h.rank; }
  /** The number of elements (the product of the sizes). */
  numel(): number { return this._h.size; }
  /** Bytes per element as stored here (4 for float32 and int64, which the backend holds as int32; 1 for bool). */
  elementSize(): number { return this.dtype === "bool" ? 1 : 4; }

  /** Values in logical row-major order. */
  dataSync(): Float32Array | Int32Array | Uint8Array {
    if (!this._perm) return this._h.dataSync() as Float32Array | Int32Array | Uint8Array;
    const logical = contig(this);
    try {
      return logical.dataSync() as Float32Array | Int32Array | Uint8Array;
    } finally {
      logical.dispose();
    }
  }

  /** The value of a one-element tensor as a number (`loss.item()`); many elements raise, pointing to `.tolist()`. */
  item(): number {
    if (this.numel() !== 1) {
      throw new ValueError(`only one element tensors can be converted to Python scalars (this one has ${this.numel()} elements, ` +
        `shape ${shapeStr(this.shape)}; read them all with .tolist())`);
    }
    return Number(this._h.dataSync()[0]);
  }

  /** The values as (nested) arrays of numbers, in the tensor's shape. */
  tolist(): Nested {
    const flat = this.dataSync();
    const shape = this.shape;
    const isBool = this.dtype === "bool";
    let k = 0;
    const build = (d: number): Nested => {
      if (d === shape.length) { const v = flat[k++]; return isBool ? v !== 0 : v; }
      const out: Nested[] = [];
      for (let i = 0; i < shape[d]; i++) out.push(build(d + 1));
      return out;
    };
    return build(0);
  }

  /** A tensor sharing this one's storage, cut off from the graph (in-place changes show through). */
  get data(): Tensor {
    const t = new Tensor(this._s, null, false);
    t._strides = this._strides;
    return t;
  }

  /** `param.data = other.data`: replaces the values (and shape) without recording anything. */
  set data(other: Tensor) {
    const sameShapeHere = sameShape(other.shape, this.shape);
    // Keep this tensor's layout when it can (optimizer state is laid out like it).
    this._replace(sameShapeHere ? ownedIn(other, this._perm) : tf.clone(other._h), sameShapeHere ? this._perm : other._perm);
  }

  /** A tensor sharing this one's values, cut off from the graph (`requires_grad = false`). */
  detach(): Tensor { return this.data; }

  /** Sets `requiresGrad` in place (leaves only) and returns the tensor (`requires_grad_()`). */
  requiresGrad_(flag = true): this {
    if (!this.isLeaf && !flag) {
      throw new RuntimeError("you can only change requiresGrad flags of leaf variables; use detach() for a non-leaf");
    }
    if (flag && this.dtype !== "float32") {
      throw new RuntimeError(`only Tensors of floating point dtype can require gradients (this one is ${this.dtype})`);
    }
    this.requiresGrad = flag;
    return this;
  }

  /** Computes the gradient of this tensor with respect to the graph's leaves and adds it to their `.grad`. A scalar needs no `gradient`; otherwise pass one of this tensor's shape. `retainGraph` keeps the graph for a second call. */
  backward(gradient?: Tensor, opts: { retainGraph?: boolean } = {}): void {
    if (!this.requiresGrad) {
      throw new RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn " +
        "(was it computed inside torch.noGrad, or from tensors without requiresGrad: true?)");
    }
    let seed: tft.Tensor;
    if (gradient) {
      if (!sameShape(gradient.shape, this.shape)) {
        throw new RuntimeError(`backward: gradient has shape ${shapeStr(gradient.shape)} but the tensor has shape ${shapeStr(this.shape)}`);
      }
      seed = ownedIn(gradient, this._perm);
    } else {
      if (this.numel() !== 1) {
        throw new RuntimeError(`grad can be implicitly created only for scalar outputs (this tensor has shape ${shapeStr(this.shape)}); pass a gradient: t.backward(torch.onesLike(t))`);
      }
      seed = tf.onesLike(this._h);
    }
    runBackward(this, seed, opts.retainGraph ?? false);
  }

  /** The gradient accumulated by `backward()` (same shape as the tensor), or null; cleared by `optimizer.zeroGrad()`. */
  get grad(): Tensor | null {
    this._gradShared = true;
    return this._grad;
  }

  /**
   * `p.grad = null` (what `zeroGrad()` does) or a tensor of the parameter's shape. A gradient that
   * backward() made and nobody read through `.grad` is freed here at once, since nothing else can
   * refer to it: a training loop then reuses its gradients' memory instead of leaving them to the
   * garbage collector (the FC net: 2.3 of the 2.9 MB each step left behind).
   */
  set grad(g: Tensor | null) {
    const old = this._grad;
    if (old !== null && old !== g && !this._gradShared) {
      untrack(old._s);
      old._s.release();
    }
    this._grad = g;
    this._gradShared = true;
  }

  /** @internal `.grad` for the optimizers, which keep no reference to it: reading it here leaves it free to be freed. */
  get _gradForUpdate(): Tensor | null {
    return this._grad;
  }

  /** @internal adds a physical-layout gradient into `.grad` (autograd's leaf step). Takes `g`. */
  accumulateGrad(g: tft.Tensor): void {
    if (this._grad === null) {
      this._grad = new Tensor(g, this._perm);
      this._gradShared = false;
    } else {
      const grad = this._grad;
      const sum = tf.tidy(() => tf.add(grad._h, samePerm(grad._perm, this._perm) ? g : toPhys(fromPhys(g, this._perm), grad._perm)));
      g.dispose();
      grad._replace(sum);
    }
  }

  // ---- in-place updates (leaves, or anywhere under torch.noGrad) ----------------------------
  private checkInPlace(what: string): void {
    if (isGradEnabled() && this.requiresGrad && this.isLeaf) {
      throw new RuntimeError(`a leaf Variable that requires grad is being used in an in-place operation (${what}); wrap it in torch.noGrad(() => ...)`);
    }
  }
  /** Fills the tensor with zeros in place. */
  zero_(): this { this.checkInPlace("zero_"); this._replace(tf.zerosLike(this._h)); return this; }
  /** Fills the tensor with `value` in place. */
  fill_(value: number): this { this.checkInPlace("fill_"); this._replace(tf.fill(this._h.shape, value, this._h.dtype)); return this; }
  /** Copies `src`'s values into this tensor in place (`src` is broadcast to this shape). */
  copy_(src: Tensor): this {
    this.checkInPlace("copy_");
    if (!sameShape(src.shape, this.shape)) throw new RuntimeError(`copy_: source shape ${shapeStr(src.shape)} does not match ${shapeStr(this.shape)}`);
    this._replace(ownedIn(src, this._perm));
    return this;
  }
  /** @internal stores an op's result as this tensor's new values (`t.add_(u)` is `t._inPlace("add_", add(t, u))`). */
  _inPlace(what: string, result: Tensor): this {
    this.checkInPlace(what);
    if (!sameShape(result.shape, this.shape)) {
      throw new RuntimeError(`${what}: output with shape ${shapeStr(this.shape)} doesn't match the broadcast shape ${shapeStr(result.shape)}`);
    }
    if (result.requiresGrad) {
      throw new RuntimeError(`${what}: in-place operations are not recorded by autograd here; write the out-of-place form ` +
        `(y = y.${what.slice(0, -1)}(...)), or run it under torch.noGrad(() => ...) on values that need no gradient`);
    }
    this._replace(ownedIn(result, this._perm));
    return this;
  }

  // ---- devices (ops that are methods, such as t.view(...) or t.sum(), come from lib/ops/methods.ts)
  /** The tensor on the CPU: itself (the wasm and cpu backends run on the CPU). */
  cpu(): Tensor { return this; }
  /** The tensor on the GPU: itself when tfjs-node-gpu is the backend; otherwise PyTorch's error that CUDA is not available. */
  cuda(): Tensor { parseDevice("cuda", "Tensor.cuda"); return this; }
  /** As PyTorch answers: false for a transposed, permuted, expanded or sliced view until `.contiguous()`. */
  isContiguous(): boolean { return this._strides === null; }

  // ---- printing -------------------------------------------------------------------------------
  /** The tensor as PyTorch prints it: `tensor([[1., 2.], …], requires_grad=True)`. */
  toString(): string { return formatTensor(this); }
  [inspectCustom](): string { return formatTensor(this); }
  [DISPLAY](): MimeBundle { return { "text/plain": formatTensor(this) }; }
}

indexable(Tensor, (x, i) => x.index(i), "build a tensor with the new values instead (torch.cat, torch.stack)");

function normPerm(perm: Perm): Perm {
  return perm && !isIdentity(perm) ? perm : null;
}

export function isIdentity(perm: readonly number[]): boolean {
  for (let i = 0; i < perm.length; i++) if (perm[i] !== i) return false;
  return true;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** A negative dim counts from the end, as in PyTorch. */
export function normDim(dim: number, rank: number): number {
  const r = Math.max(rank, 1);
  if (!Number.isInteger(dim) || dim < -r || dim >= r) {
    throw new IndexError(`Dimension out of range (expected to be in range of [${-r}, ${r - 1}], but got ${dim})`);
  }
  return dim < 0 ? dim + r : dim;
}

/**
 * A dim as PyTorch takes it, positionally or as its keyword: `torch.max(t, 1)`, `t.sum([0, 1])`,
 * `torch.max(t, { dim: 1, keepdim: true })`. Every op that takes a dim unwraps it here, once.
 */
export type DimArg<D = number> = D | { dim: D; keepdim?: boolean };

export function dimArg<D>(arg: DimArg<D>, keepdim: boolean): { dim: D; keepdim: boolean } {
  return typeof arg === "object" && arg !== null && !Array.isArray(arg)
    ? { dim: (arg as { dim: D }).dim, keepdim: (arg as { keepdim?: boolean }).keepdim ?? keepdim }
    : { dim: arg as D, keepdim };
}

/** Row-major strides of `shape`: PyTorch's strides of a contiguous tensor. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let step = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = step;
    step *= Math.max(shape[i], 1);
  }
  return strides;
}

/** @internal records a view's PyTorch strides on `t` (null when they are the contiguous ones; size-1 dims do not count). */
export function withStrides(t: Tensor, strides: readonly number[] | null): Tensor {
  if (strides === null) return t; // the common case, kept cheap: results start contiguous
  const shape = t.shape;
  const plain = contiguousStrides(shape);
  t._strides = strides.some((s, i) => shape[i] !== 1 && s !== plain[i]) ? strides : null;
  return t;
}

/**
 * The strides an element-wise result takes from its input `x`, as PyTorch's TensorIterator gives
 * them: x's own when they are a reordering of dense strides (a transposed or permuted tensor), else
 * none (contiguous: also for sliced and expanded inputs).
 */
export function denseStrides(x: Tensor): readonly number[] | null {
  const strides = x._strides;
  if (!strides) return null;
  const shape = x.shape;
  const order = [...strides.keys()].filter((d) => shape[d] !== 1).sort((i, j) => strides[j] - strides[i]);
  let step = 1;
  for (let k = order.length - 1; k >= 0; k--) {
    if (strides[order[k]] !== step) return null;
    step *= shape[order[k]];
  }
  return strides;
}

/** Wraps a backend tensor; records a node when `inputs` require grad. */
export function result(handle: tft.Tensor, perm: Perm, name: string, inputs: Tensor[], backward: Parameters<typeof attach>[3], saved?: tft.Tensor[]): Tensor {
  return attach(new Tensor(handle, perm), name, inputs, backward, saved);
}
