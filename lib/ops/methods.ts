/**
 * Tensor's methods that are ops (`t.add(u)`, `t.view(2, -1)`, `t.sum(1)`): declared on the Tensor
 * class by declaration merging, so types, completion and hover docs are the class's own, and
 * installed on its prototype here. This is the one place where the tensor layer meets the ops built
 * on it; lib/tensor never imports lib/ops.
 */
import { parseDevice, type Device } from "../tensor/device";
import { Tensor, type DimArg } from "../tensor/tensor";
import { logSoftmax, softmax } from "./activation";
import { matmul } from "./linalg";
import { abs, add, cast, clone, contiguous, div, eq, exp, ge, gt, le, log, lt, mul, ne, neg, pow, relu, sigmoid, sqrt, sub, tanh } from "./pointwise";
import { argmax, max, mean, min, sum, type ValuesIndices } from "./reduce";
import { expand, flatten, index, narrow, permute, select, squeeze, t, transpose, unsqueeze, view, type IndexItem } from "./shape";

declare module "../tensor/tensor" {
  interface Tensor {
    // ---- in-place updates (leaves, or anywhere under torch.noGrad) ----------------------------
    /** `t += alpha * other` in place. */
    add_(other: TensorOrScalar, alpha?: number): this;
    /** `t -= other` in place (broadcast to `t`'s shape). */
    sub_(other: TensorOrScalar): this;
    /** `t *= other` in place (broadcast to `t`'s shape). */
    mul_(other: TensorOrScalar): this;
    /** `t /= other` in place (broadcast to `t`'s shape). */
    div_(other: TensorOrScalar): this;

    // ---- conversions ----------------------------------------------------------------------------
    /** A dtype (`t.to("float32")`) converts; a device (`t.to("cuda")`, `t.to(device)`) is checked and kept. */
    to(target: Device | string | DType): Tensor;
    /** `self.float()` is `self.to(torch.float32)`. */
    float(): Tensor;
    /** `self.long()` is `self.to(torch.int64)`. */
    long(): Tensor;
    /** `self.int()`: integers (stored as int64 here, the only integer dtype). */
    int(): Tensor;
    /** `self.bool()` is `self.to(torch.bool)`: nonzero → true. */
    bool(): Tensor;
    /** A copy of the tensor's values; gradients flow back to the original (`torch.clone`). */
    clone(): Tensor;
    /** The values in logical order (this tensor itself when they already are). */
    contiguous(): Tensor;

    // ---- shape ----------------------------------------------------------------------------------
    /** `t.view(2, -1)` or `t.view([2, -1])`: the same values in a new shape (-1: inferred). */
    view(...shape: (number | number[])[]): Tensor;
    /** The same values in a new shape (-1: inferred): a view when possible, otherwise a copy (`torch.reshape`). */
    reshape(...shape: (number | number[])[]): Tensor;
    /** `self.view(other.size())`. */
    viewAs(other: Tensor): Tensor;
    /** Flattens dims `startDim..endDim` (default 0..-1) into one (`torch.flatten`). */
    flatten(startDim?: number, endDim?: number): Tensor;
    /** The tensor with dims `dim0` and `dim1` swapped (`torch.transpose`). */
    transpose(dim0: number, dim1: number): Tensor;
    /** The transpose of a 2-D tensor (1-D and 0-D tensors come back as they are). */
    t(): Tensor;
    /** All dims reversed. */
    readonly T: Tensor;
    /** The tensor with its dims reordered: `x.permute(0, 2, 3, 1)` (`torch.permute`). */
    permute(...dims: (number | number[])[]): Tensor;
    /** Removes dims of size 1 (all of them, or only `dim`) (`torch.squeeze`). */
    squeeze(dim?: number): Tensor;
    /** Inserts a dim of size 1 at `dim` (`torch.unsqueeze`). */
    unsqueeze(dim: number): Tensor;
    /** Python-style indexing of the leading dims: t.index(0), t.index(":", "1:3"), t.index(null, 2). */
    index(...idx: IndexItem[]): Tensor;
    /** The slice at index `i` along `dim`, with that dim removed (`torch.select`). */
    select(dim: number, i: number): Tensor;
    /** The `length` entries of `dim` from `start` on (`torch.narrow`). */
    narrow(dim: number, start: number, length: number): Tensor;
    /** The tensor repeated along dims of size 1 to `shape` (-1 keeps a size), without copying (`Tensor.expand`). */
    expand(...shape: (number | number[])[]): Tensor;

    // ---- arithmetic -----------------------------------------------------------------------------
    /** `self + alpha * other`, broadcasting (`torch.add`). */
    add(other: TensorOrScalar, opts?: { alpha?: number }): Tensor;
    /** `self - other`, broadcasting (`torch.sub`). */
    sub(other: TensorOrScalar): Tensor;
    /** `self * other` elementwise, broadcasting (`torch.mul`). */
    mul(other: TensorOrScalar): Tensor;
    /** `self / other` elementwise, broadcasting; true division (`torch.div`). */
    div(other: TensorOrScalar): Tensor;
    /** Each element to the power `exponent` (`torch.pow`). */
    pow(exponent: number): Tensor;
    /** `-self` (`torch.neg`). */
    neg(): Tensor;
    /** e to the power of each element (`torch.exp`). */
    exp(): Tensor;
    /** The natural logarithm of each element (`torch.log`). */
    log(): Tensor;
    /** The square root of each element (`torch.sqrt`). */
    sqrt(): Tensor;
    /** The absolute value of each element (`torch.abs`). */
    abs(): Tensor;
    /** `max(0, x)` for each element (`torch.relu`). */
    relu(): Tensor;
    /** `1 / (1 + exp(-x))` for each element (`torch.sigmoid`). */
    sigmoid(): Tensor;
    /** The hyperbolic tangent of each element (`torch.tanh`). */
    tanh(): Tensor;
    /** The matrix product, with PyTorch's rules for 1-D, 2-D and batched operands (`torch.matmul`). */
    matmul(other: Tensor): Tensor;
    /** The product of two matrices, `(n, m) @ (m, p) → (n, p)` (`torch.mm`). */
    mm(other: Tensor): Tensor;
    /** `t.softmax(1)` or `t.softmax({ dim: 1 })`. */
    softmax(dim: DimArg): Tensor;
    /** `log(softmax(x, dim))`, computed stably (`torch.log_softmax`). */
    logSoftmax(dim: DimArg): Tensor;

    // ---- comparison (no gradient) ---------------------------------------------------------------
    /** `self == other` elementwise, a bool tensor (`torch.eq`). */
    eq(other: TensorOrScalar): Tensor;
    /** `self != other` elementwise, a bool tensor (`torch.ne`). */
    ne(other: TensorOrScalar): Tensor;
    /** `self < other` elementwise, a bool tensor (`torch.lt`). */
    lt(other: TensorOrScalar): Tensor;
    /** `self <= other` elementwise, a bool tensor (`torch.le`). */
    le(other: TensorOrScalar): Tensor;
    /** `self > other` elementwise, a bool tensor (`torch.gt`). */
    gt(other: TensorOrScalar): Tensor;
    /** `self >= other` elementwise, a bool tensor (`torch.ge`). */
    ge(other: TensorOrScalar): Tensor;

    // ---- reductions -----------------------------------------------------------------------------
    /** Over everything, or over `dim` (a dim, a list of dims, or `{ dim, keepdim }`). */
    sum(dim?: DimArg<number | number[]>, keepdim?: boolean): Tensor;
    /** The mean of all elements, or over `dim` (a dim, a list of dims, or `{ dim, keepdim }`) (`torch.mean`). */
    mean(dim?: DimArg<number | number[]>, keepdim?: boolean): Tensor;
    /** The largest value; with `dim`, `[values, indices]` along it (also `.values`, `.indices`). */
    max(): Tensor;
    max(dim: DimArg, keepdim?: boolean): ValuesIndices;
    /** The smallest value; with `dim`, `[values, indices]` along it (also `.values`, `.indices`). */
    min(): Tensor;
    min(dim: DimArg, keepdim?: boolean): ValuesIndices;
    /** The index of the largest value, over everything (flattened) or along `dim` (`torch.argmax`). */
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
  reshape: self(view),
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
  mm: self(matmul),
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
