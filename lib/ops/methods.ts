/**
 * Tensor's methods that are ops (`t.add(u)`, `t.view(2, -1)`, `t.sum(1)`): declared on the Tensor
 * class by declaration merging, so types, completion and hover docs are the class's own, and
 * installed on its prototype here. This is the one place where the tensor layer meets the ops built
 * on it; lib/tensor never imports lib/ops.
 */
import { parseDevice, type Device } from "../tensor/device";
import { RuntimeError } from "../tensor/errors";
import { Tensor, type DType, type TensorOrScalar } from "../tensor/tensor";
import { matmul } from "./linalg";
import { abs, add, cast, clone, compare, div, exp, log, mul, neg, pow, relu, sigmoid, sqrt, sub, tanh } from "./pointwise";
import { argmax, maxAll, maxDim, mean, minAll, minDim, sum, type ValuesIndices } from "./reduce";
import { expand, flatten, index, narrow, permute, select, squeeze, transpose, unsqueeze, view, type IndexItem } from "./shape";
import { logSoftmax, softmax } from "./activation";

declare module "../tensor/tensor" {
  interface Tensor {
    // ---- in-place updates (leaves, or anywhere under torch.noGrad) ----------------------------
    /** `t += alpha * other` in place. */
    add_(other: TensorOrScalar, alpha?: number): this;
    sub_(other: TensorOrScalar): this;
    mul_(other: TensorOrScalar): this;
    div_(other: TensorOrScalar): this;

    // ---- conversions ----------------------------------------------------------------------------
    /** A dtype (`t.to("float32")`) converts; a device (`t.to("cuda")`, `t.to(device)`) is checked and kept. */
    to(target: Device | string | DType): Tensor;
    float(): Tensor;
    long(): Tensor;
    int(): Tensor;
    bool(): Tensor;
    clone(): Tensor;
    /** The values in logical order (this tensor itself when they already are). */
    contiguous(): Tensor;

    // ---- shape ----------------------------------------------------------------------------------
    /** `t.view(2, -1)` or `t.view([2, -1])`: the same values in a new shape (-1: inferred). */
    view(...shape: (number | number[])[]): Tensor;
    reshape(...shape: (number | number[])[]): Tensor;
    viewAs(other: Tensor): Tensor;
    flatten(startDim?: number, endDim?: number): Tensor;
    transpose(dim0: number, dim1: number): Tensor;
    /** The transpose of a 2-D tensor (1-D and 0-D tensors come back as they are). */
    t(): Tensor;
    /** All dims reversed. */
    readonly T: Tensor;
    permute(...dims: (number | number[])[]): Tensor;
    squeeze(dim?: number): Tensor;
    unsqueeze(dim: number): Tensor;
    /** Python-style indexing of the leading dims: t.index(0), t.index(":", "1:3"), t.index(null, 2). */
    index(...idx: IndexItem[]): Tensor;
    select(dim: number, i: number): Tensor;
    narrow(dim: number, start: number, length: number): Tensor;
    expand(...shape: (number | number[])[]): Tensor;

    // ---- arithmetic -----------------------------------------------------------------------------
    add(other: TensorOrScalar, opts?: { alpha?: number }): Tensor;
    sub(other: TensorOrScalar): Tensor;
    mul(other: TensorOrScalar): Tensor;
    div(other: TensorOrScalar): Tensor;
    pow(exponent: number): Tensor;
    neg(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    abs(): Tensor;
    relu(): Tensor;
    sigmoid(): Tensor;
    tanh(): Tensor;
    matmul(other: Tensor): Tensor;
    mm(other: Tensor): Tensor;
    softmax(dim: number): Tensor;
    logSoftmax(dim: number): Tensor;

    // ---- comparison (no gradient) ---------------------------------------------------------------
    eq(other: TensorOrScalar): Tensor;
    ne(other: TensorOrScalar): Tensor;
    lt(other: TensorOrScalar): Tensor;
    le(other: TensorOrScalar): Tensor;
    gt(other: TensorOrScalar): Tensor;
    ge(other: TensorOrScalar): Tensor;

    // ---- reductions -----------------------------------------------------------------------------
    sum(dim?: number | number[], keepdim?: boolean): Tensor;
    mean(dim?: number | number[], keepdim?: boolean): Tensor;
    max(): Tensor;
    max(dim: number, keepdim?: boolean): ValuesIndices;
    min(): Tensor;
    min(dim: number, keepdim?: boolean): ValuesIndices;
    argmax(dim?: number, keepdim?: boolean): Tensor;
  }
}

function flatArgs(args: (number | number[])[]): number[] {
  return args.length === 1 && Array.isArray(args[0]) ? [...args[0]] : (args as number[]);
}

/** The implementations, each checked against its declaration above. */
const methods: { [K in keyof Tensor]?: Tensor[K] } & ThisType<Tensor> = {
  add_(other, alpha = 1) { return this._inPlace("add_", add(this, alpha === 1 ? other : mul(other, alpha))); },
  sub_(other) { return this._inPlace("sub_", sub(this, other)); },
  mul_(other) { return this._inPlace("mul_", mul(this, other)); },
  div_(other) { return this._inPlace("div_", div(this, other)); },

  to(target) {
    if (target === "float32" || target === "int64" || target === "bool") return cast(this, target);
    parseDevice(target, "Tensor.to");
    return this;
  },
  float() { return cast(this, "float32"); },
  long() { return cast(this, "int64"); },
  int() { return cast(this, "int64"); },
  bool() { return cast(this, "bool"); },
  clone() { return clone(this); },
  contiguous() { return this._perm ? clone(this, true) : this; },

  view(...shape) { return view(this, flatArgs(shape)); },
  reshape(...shape) { return view(this, flatArgs(shape)); },
  viewAs(other) { return view(this, [...other.shape]); },
  flatten(startDim = 0, endDim = -1) { return flatten(this, startDim, endDim); },
  transpose(dim0, dim1) { return transpose(this, dim0, dim1); },
  t() {
    if (this.dim() > 2) throw new RuntimeError(`t() expects a tensor with <= 2 dimensions, but self is ${this.dim()}D; use transpose(dim0, dim1)`);
    return this.dim() < 2 ? this : transpose(this, 0, 1);
  },
  permute(...dims) { return permute(this, flatArgs(dims)); },
  squeeze(dim) { return squeeze(this, dim); },
  unsqueeze(dim) { return unsqueeze(this, dim); },
  index(...idx) { return index(this, idx); },
  select(dim, i) { return select(this, dim, i); },
  narrow(dim, start, length) { return narrow(this, dim, start, length); },
  expand(...shape) { return expand(this, flatArgs(shape)); },

  add(other, opts = {}) { return add(this, opts.alpha === undefined ? other : mul(other, opts.alpha)); },
  sub(other) { return sub(this, other); },
  mul(other) { return mul(this, other); },
  div(other) { return div(this, other); },
  pow(exponent) { return pow(this, exponent); },
  neg() { return neg(this); },
  exp() { return exp(this); },
  log() { return log(this); },
  sqrt() { return sqrt(this); },
  abs() { return abs(this); },
  relu() { return relu(this); },
  sigmoid() { return sigmoid(this); },
  tanh() { return tanh(this); },
  matmul(other) { return matmul(this, other); },
  mm(other) { return matmul(this, other); },
  softmax(dim) { return softmax(this, dim); },
  logSoftmax(dim) { return logSoftmax(this, dim); },

  eq(other) { return compare("eq", this, other); },
  ne(other) { return compare("ne", this, other); },
  lt(other) { return compare("lt", this, other); },
  le(other) { return compare("le", this, other); },
  gt(other) { return compare("gt", this, other); },
  ge(other) { return compare("ge", this, other); },

  sum(dim, keepdim = false) { return sum(this, dim, keepdim); },
  mean(dim, keepdim = false) { return mean(this, dim, keepdim); },
  max: function (this: Tensor, dim?: number, keepdim: boolean = false) {
    return dim === undefined ? maxAll(this) : maxDim(this, dim, keepdim);
  } as Tensor["max"],
  min: function (this: Tensor, dim?: number, keepdim: boolean = false) {
    return dim === undefined ? minAll(this) : minDim(this, dim, keepdim);
  } as Tensor["min"],
  argmax(dim, keepdim = false) { return argmax(this, dim, keepdim); },
};

for (const [name, value] of Object.entries(methods)) {
  Object.defineProperty(Tensor.prototype, name, { value, writable: true, configurable: true });
}
Object.defineProperty(Tensor.prototype, "T", {
  get(this: Tensor): Tensor { return permute(this, [...this.shape.keys()].reverse()); },
  configurable: true,
});
