/**
 * Tensor's methods that are ops (`t.add(u)`, `t.view(2, -1)`, `t.sum(1)`): declared on the Tensor
 * class by declaration merging, so types, completion and hover docs are the class's own, and
 * installed on its prototype here. This is the one place where the tensor layer meets the ops built
 * on it; lib/tensor never imports lib/ops.
 */
import { parseDevice, type Device } from "../tensor/device";
import { Tensor, type DimArg } from "../tensor/tensor";
import { logSoftmax, softmax } from "./activation";
import { bmm, matmul, mm } from "./linalg";
import { abs, add, cast, clone, contiguous, div, eq, exp, ge, gt, le, log, lt, mul, ne, neg, pow, relu, sigmoid, sqrt, sub, tanh } from "./pointwise";
import { argmax, max, mean, min, sum, type ValuesIndices } from "./reduce";
import { expand, flatten, index, narrow, permute, reshape, select, squeeze, t, transpose, unsqueeze, view, type IndexItem } from "./shape";

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
    /** Matrices only: `[n, m]` · `[m, p]`. */
    mm(other: Tensor): Tensor;
    /** Batches of matrices: `[B, n, m]` · `[B, m, p]`. */
    bmm(other: Tensor): Tensor;
    /** `t.softmax(1)` or `t.softmax({ dim: 1 })`. */
    softmax(dim: DimArg): Tensor;
    logSoftmax(dim: DimArg): Tensor;

    // ---- comparison (no gradient) ---------------------------------------------------------------
    eq(other: TensorOrScalar): Tensor;
    ne(other: TensorOrScalar): Tensor;
    lt(other: TensorOrScalar): Tensor;
    le(other: TensorOrScalar): Tensor;
    gt(other: TensorOrScalar): Tensor;
    ge(other: TensorOrScalar): Tensor;

    // ---- reductions -----------------------------------------------------------------------------
    /** Over everything, or over `dim` (a dim, a list of dims, or `{ dim, keepdim }`). */
    sum(dim?: DimArg<number | number[]>, keepdim?: boolean): Tensor;
    mean(dim?: DimArg<number | number[]>, keepdim?: boolean): Tensor;
    /** The largest value; with `dim`, `[values, indices]` along it (also `.values`, `.indices`). */
    max(): Tensor;
    max(dim: DimArg, keepdim?: boolean): ValuesIndices;
    min(): Tensor;
    min(dim: DimArg, keepdim?: boolean): ValuesIndices;
    argmax(dim?: DimArg, keepdim?: boolean): Tensor;
  }
}

/** `t.name(...args)` is `op(t, ...args)`. */
function self<A extends unknown[], R>(op: (x: Tensor, ...args: A) => R): (this: Tensor, ...args: A) => R {
  return function (this: Tensor, ...args: A): R { return op(this, ...args); };
}

/** The implementations, each checked against its declaration above. */
const methods: { [K in keyof Tensor]?: Tensor[K] } & ThisType<Tensor> = {
  add_(other, alpha = 1) { return this._inPlace("add_", add(this, other, alpha === 1 ? {} : { alpha })); },
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
  clone: self(clone),
  contiguous: self(contiguous),

  view: self(view),
  reshape: self(reshape),
  viewAs(other) { return view(this, [...other.shape]); },
  flatten: self(flatten),
  transpose: self(transpose),
  t: self(t),
  permute: self(permute),
  squeeze: self(squeeze),
  unsqueeze: self(unsqueeze),
  index(...idx) { return index(this, idx); },
  select: self(select),
  narrow: self(narrow),
  expand: self(expand),

  add: self(add),
  sub: self(sub),
  mul: self(mul),
  div: self(div),
  pow: self(pow),
  neg: self(neg),
  exp: self(exp),
  log: self(log),
  sqrt: self(sqrt),
  abs: self(abs),
  relu: self(relu),
  sigmoid: self(sigmoid),
  tanh: self(tanh),
  matmul: self(matmul),
  mm: self(mm),
  bmm: self(bmm),
  softmax: self(softmax),
  logSoftmax: self(logSoftmax),

  eq: self(eq),
  ne: self(ne),
  lt: self(lt),
  le: self(le),
  gt: self(gt),
  ge: self(ge),

  sum: self(sum),
  mean: self(mean),
  // Overloads: the dim-less form returns a tensor, the other [values, indices].
  max: function (this: Tensor, dim?: DimArg, keepdim?: boolean) { return dim === undefined ? max(this) : max(this, dim, keepdim); } as Tensor["max"],
  min: function (this: Tensor, dim?: DimArg, keepdim?: boolean) { return dim === undefined ? min(this) : min(this, dim, keepdim); } as Tensor["min"],
  argmax: self(argmax),
};

for (const [name, value] of Object.entries(methods)) {
  Object.defineProperty(Tensor.prototype, name, { value, writable: true, configurable: true });
}
Object.defineProperty(Tensor.prototype, "T", {
  get(this: Tensor): Tensor { return permute(this, [...this.shape.keys()].reverse()); },
  configurable: true,
});
