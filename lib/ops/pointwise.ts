/**
 * Element-wise ops. Unary ops and ops between tensors of one shape and layout work on the
 * physical buffer and keep the layout; broadcasting ops work in logical order.
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tft from "../backend/tf-types";
import { RuntimeError, shapeStr } from "../errors";
import { denseStrides, result, sameShape, Tensor, tfDtype, withStrides, type DType, type TensorOrScalar } from "../tensor/tensor";
import { contig, samePerm, toPhys } from "../tensor/layout";
import { int32Value } from "../tensor/creation";

// ---- int64 results (int32 in the backends) -----------------------------------------------------
/**
 * An int64 result that left int32 wrapped around by a multiple of 2^32. `approx` computes the same
 * in float32, off by far less than 2^30 (a few ulps; a sum of n values by at most n · 2^7), so the
 * two differ by more than 2^30 exactly where it wrapped: then `y` is freed and this throws.
 */
export function checkIntRange(what: string, y: tft.Tensor, approx: () => tft.Tensor): tft.Tensor {
  if (y.dtype !== "int32" || y.size === 0) return y;
  const wrapped = tf.tidy(() => tf.any(tf.greater(tf.abs(tf.sub(tf.cast(y, "float32"), approx())), 2 ** 30)).dataSync()[0] !== 0);
  if (!wrapped) return y;
  y.dispose();
  throw new RuntimeError(`integer overflow: ${what} gives int64 values outside [-2147483648, 2147483647], the range nnlab stores int64 in ` +
    "(PyTorch keeps 64 bits); work in float32 with .float() (whole numbers exact up to 2^24) or keep the numbers smaller");
}

const BOOL_NEG = "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.";
const BOOL_SUB = "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.";

const asFloat = (h: tft.Tensor): tft.Tensor => (h.dtype === "float32" ? h : tf.cast(h, "float32"));

// ---- unary: y = f(x); dx from (gy, x, y) --------------------------------------------------------
type UnaryGrad = (gy: tft.Tensor, x: tft.Tensor, y: tft.Tensor) => tft.Tensor;

function unary(name: string, x: Tensor, f: (x: tft.Tensor) => tft.Tensor, grad: UnaryGrad): Tensor {
  const xh = x._h;
  const y = checkIntRange(name.replace(/Backward0$/, "").toLowerCase(), f(xh), () => f(asFloat(xh)));
  return withStrides(result(y, x._perm, name, [x], (gy) => [grad(gy, xh, y)]), denseStrides(x));
}

// The wasm backend's Neg and Abs go through float32 for int32 (neg(16777217) gave -16777216): exact forms for ints.
const negExact = (h: tft.Tensor): tft.Tensor => (h.dtype === "int32" ? tf.tidy(() => tf.mul(h, tf.scalar(-1, "int32"))) : tf.neg(h));
const absExact = (h: tft.Tensor): tft.Tensor => (h.dtype === "int32" ? tf.tidy(() => tf.mul(h, tf.sign(h))) : tf.abs(h));

/** Float functions of int64 and bool tensors compute on float32 copies, as PyTorch promotes them. */
const floating = (x: Tensor): Tensor => (x.dtype === "float32" ? x : cast(x, "float32"));

/** PyTorch refuses these ops on bool tensors, each in its own words. */
function notBool(x: Tensor, message: string): Tensor {
  if (x.dtype === "bool") throw new RuntimeError(message);
  return x;
}

/** `torch.neg(x)`: −x for each element. */
export const neg = (x: Tensor) => unary("NegBackward0", notBool(x, BOOL_NEG), negExact, (gy) => tf.neg(gy));
/** `torch.exp(x)`: eˣ for each element (integers are promoted to float32). */
export const exp = (x: Tensor) => unary("ExpBackward0", floating(x), tf.exp, (gy, _x, y) => tf.mul(gy, y));
/** `torch.log(x)`: the natural logarithm of each element (−inf at 0, NaN below). */
export const log = (x: Tensor) => unary("LogBackward0", floating(x), tf.log, (gy, xh) => tf.div(gy, xh));
/** `torch.sqrt(x)`: the square root of each element. */
export const sqrt = (x: Tensor) => unary("SqrtBackward0", floating(x), tf.sqrt, (gy, _x, y) => tf.div(gy, tf.mul(y, 2)));
/** `torch.abs(x)`: |x| for each element. */
export const abs = (x: Tensor) => unary("AbsBackward0", notBool(x, `"abs_cpu" not implemented for 'Bool'`), absExact, (gy, xh) => tf.mul(gy, tf.sign(xh)));
/** `F.relu(x)`: max(0, x) for each element (the rectified linear unit). Any shape in, the same shape out. */
export const relu = (x: Tensor) => unary("ReluBackward0", notBool(x, "Boolean inputs not supported for relu"), tf.relu, (gy, _x, y) => tf.mul(gy, tf.step(y)));
/** `F.leakyRelu(x, negativeSlope = 0.01)`: x where x > 0, else negativeSlope · x (PyTorch's slope at 0 too). */
export const leakyRelu = (x: Tensor, negativeSlope = 0.01) => unary("LeakyReluBackward0", floating(x), (h) => tf.leakyRelu(h, negativeSlope),
  (gy, xh) => tf.where(tf.greater(xh, 0), gy, tf.mul(gy, negativeSlope)));
/** `torch.sigmoid(x)`: 1 / (1 + e⁻ˣ) for each element. */
export const sigmoid = (x: Tensor) =>
  unary("SigmoidBackward0", floating(x), tf.sigmoid, (gy, _x, y) => tf.mul(gy, tf.mul(y, tf.sub(1, y))));
/** `torch.tanh(x)`: the hyperbolic tangent of each element. */
export const tanh = (x: Tensor) =>
  unary("TanhBackward0", floating(x), tf.tanh, (gy, _x, y) => tf.mul(gy, tf.sub(1, tf.square(y))));

/** `torch.pow(x, p)`: each element to the power `p`. */
export function pow(x: Tensor, p: number): Tensor {
  if (x.dtype !== "float32") {
    if (!Number.isInteger(p)) return pow(cast(x, "float32"), p);
    if (p < 0) throw new RuntimeError("Integers to negative integer powers are not allowed.");
    const ints = x.dtype === "bool" ? cast(x, "int64") : x;
    return unary("PowBackward0", ints, (h) => tf.tidy(() => tf.pow(h, tf.scalar(p, h.dtype))), () => { throw new RuntimeError("int64 tensors have no gradient"); });
  }
  if (p === 2) return unary("PowBackward0", x, tf.square, (gy, xh) => tf.mul(gy, tf.mul(xh, 2)));
  return unary("PowBackward0", x, (h) => tf.pow(h, p), (gy, xh) => tf.mul(gy, tf.mul(tf.pow(xh, p - 1), p)));
}

// ---- binary with broadcasting -------------------------------------------------------------------
type BinaryGrad = (gy: tft.Tensor, a: tft.Tensor, b: tft.Tensor) => [tft.Tensor, tft.Tensor];

/** Sums a broadcast gradient back to `shape`. */
export function unbroadcast(g: tft.Tensor, shape: readonly number[]): tft.Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  const summed = axes.length ? tf.sum(g, axes, true) : g;
  return tf.reshape(summed, [...shape]);
}

export function broadcastShape(a: readonly number[], b: readonly number[], what: string): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new RuntimeError(`${what}: the size of tensor a (${da}) must match the size of tensor b (${db}) at non-singleton dimension ${i} ` +
        `(shapes ${shapeStr(a)} and ${shapeStr(b)} do not broadcast)`);
    }
    out.push(da === 1 ? db : da); // a size 1 takes the other's, also 0
  }
  return out;
}

function asTensor(v: TensorOrScalar, like: Tensor): Tensor {
  if (v instanceof Tensor) return v;
  if (typeof v !== "number") throw new RuntimeError(`expected a Tensor or a number, got ${typeof v}`);
  const float = like.dtype === "float32" || !Number.isInteger(v);
  return new Tensor(float ? tf.scalar(v, "float32") : tf.scalar(int32Value(v, "the scalar"), "int32"));
}

/** PyTorch's type promotion, reduced to our dtypes: bool < int64 < float32; true division is float. */
function promote(a: Tensor, b: Tensor, trueDivision: boolean): [Tensor, Tensor] {
  const rank = (d: DType) => (d === "float32" ? 2 : d === "int64" ? 1 : 0);
  const top = trueDivision ? "float32" : rank(a.dtype) >= rank(b.dtype) ? a.dtype : b.dtype;
  const target: DType = top === "bool" ? "int64" : top;
  return [cast(a, target), cast(b, target)];
}

/** The result's strides follow its first tensor operand where it has that operand's shape, as in PyTorch. */
function binary(name: string, a: TensorOrScalar, b: TensorOrScalar, fn: (a: tft.Tensor, b: tft.Tensor) => tft.Tensor, grad: BinaryGrad): Tensor {
  const y = binaryValues(name, a, b, fn, grad);
  const first = a instanceof Tensor ? a : (b as Tensor);
  return sameShape(y.shape, first.shape) ? withStrides(y, denseStrides(first)) : y;
}

function binaryValues(name: string, a: TensorOrScalar, b: TensorOrScalar, fn: (a: tft.Tensor, b: tft.Tensor) => tft.Tensor, grad: BinaryGrad): Tensor {
  if (!(a instanceof Tensor) && !(b instanceof Tensor)) throw new RuntimeError(`${name}: at least one argument must be a Tensor`);
  const isBool = (v: TensorOrScalar) => v instanceof Tensor && v.dtype === "bool";
  if (name === "SubBackward0" && (isBool(a) || isBool(b))) throw new RuntimeError(BOOL_SUB);
  if (isBool(a) && isBool(b) && (name === "AddBackward0" || name === "MulBackward0")) {
    // bool + bool is logical or, bool * bool logical and: bool results, as in PyTorch.
    return cast(binary(name, cast(a as Tensor, "int64"), cast(b as Tensor, "int64"), fn, grad), "bool");
  }
  const like = (a instanceof Tensor ? a : b) as Tensor;
  const [ta, tb] = promote(asTensor(a, like), asTensor(b, like), name === "DivBackward0");
  const op = name.replace(/Backward0$/, "").toLowerCase();
  const f = (x: tft.Tensor, y: tft.Tensor): tft.Tensor => checkIntRange(op, fn(x, y), () => fn(asFloat(x), asFloat(y)));
  const [ha, hb] = [ta._h, tb._h];
  // Same shape and layout, or a scalar against anything: stay in the physical layout.
  const samePhysical = samePerm(ta._perm, tb._perm) && sameShape(ha.shape, hb.shape);
  if (samePhysical || ta.dim() === 0 || tb.dim() === 0) {
    const perm = samePhysical || tb.dim() === 0 ? ta._perm : tb._perm;
    return result(f(ha, hb), perm, name, [ta, tb], (gy) => {
      const [ga, gb] = grad(gy, ha, hb);
      return [unbroadcast(ga, ha.shape), unbroadcast(gb, hb.shape)];
    });
  }
  broadcastShape(ta.shape, tb.shape, name);
  const [pa, pb] = [ta._perm, tb._perm];
  const [ca, cb] = [contig(ta), contig(tb)];
  const out = f(ca, cb);
  // Transposed copies are ours to free; contiguous inputs stay alive through the node.
  const fresh = [pa ? ca : null, pb ? cb : null].filter((t): t is tft.Tensor => t !== null);
  return result(out, null, name, [ta, tb], (gy) => {
    const [ga, gb] = grad(gy, ca, cb);
    return [toPhys(unbroadcast(ga, ca.shape), pa), toPhys(unbroadcast(gb, cb.shape), pb)];
  }, fresh);
}

/** `torch.add(a, b, { alpha })`: a + alpha · b. */
export const add = (a: TensorOrScalar, b: TensorOrScalar, opts: { alpha?: number } = {}) =>
  binary("AddBackward0", a, opts.alpha === undefined ? b : mul(b, opts.alpha), tf.add, (gy) => [gy, gy]);
/** `torch.sub(a, b)`: a − b, broadcasting. */
export const sub = (a: TensorOrScalar, b: TensorOrScalar) => binary("SubBackward0", a, b, tf.sub, (gy) => [gy, tf.neg(gy)]);
/** `torch.mul(a, b)`: a · b element-wise, broadcasting. */
export const mul = (a: TensorOrScalar, b: TensorOrScalar) =>
  binary("MulBackward0", a, b, tf.mul, (gy, x, y) => [tf.mul(gy, y), tf.mul(gy, x)]);
/** `torch.div(a, b)`: a / b element-wise, broadcasting; true division (integers give floats). */
export const div = (a: TensorOrScalar, b: TensorOrScalar) =>
  binary("DivBackward0", a, b, tf.div, (gy, x, y) => [tf.div(gy, y), tf.neg(tf.div(tf.mul(gy, x), tf.square(y)))]);

// ---- comparison: bool results, no gradient -----------------------------------------------------
const COMPARE = { eq: tf.equal, ne: tf.notEqual, lt: tf.less, le: tf.lessEqual, gt: tf.greater, ge: tf.greaterEqual };

function compare(op: keyof typeof COMPARE, x: Tensor, y: TensorOrScalar): Tensor {
  const out = compareValues(op, x, y);
  return sameShape(out.shape, x.shape) ? withStrides(out, denseStrides(x)) : out;
}

function compareValues(op: keyof typeof COMPARE, x: Tensor, y: TensorOrScalar): Tensor {
  const [a, tb] = x.dtype === "bool" && (y instanceof Tensor ? y.dtype === "bool" : false) ? [x, y as Tensor] : promote(x, asTensor(y, x), false);
  if (samePerm(a._perm, tb._perm) && sameShape(a._h.shape, tb._h.shape) || tb.dim() === 0) {
    return new Tensor(COMPARE[op](a._h, tb._h), a._perm);
  }
  broadcastShape(a.shape, tb.shape, op);
  return new Tensor(tf.tidy(() => COMPARE[op](contig(a), contig(tb))));
}

/** `torch.eq(x, y)`: x == y element-wise, a bool tensor (`pred.eq(target).sum()` counts the correct predictions). */
export const eq = (x: Tensor, y: TensorOrScalar) => compare("eq", x, y);
export const ne = (x: Tensor, y: TensorOrScalar) => compare("ne", x, y);
export const lt = (x: Tensor, y: TensorOrScalar) => compare("lt", x, y);
export const le = (x: Tensor, y: TensorOrScalar) => compare("le", x, y);
export const gt = (x: Tensor, y: TensorOrScalar) => compare("gt", x, y);
export const ge = (x: Tensor, y: TensorOrScalar) => compare("ge", x, y);

// ---- dtype and copies -------------------------------------------------------------------------
export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  const h = checkIntRange(`converting ${x.dtype} to ${dtype}`, tf.cast(x._h, tfDtype(dtype)), () => x._h);
  return withStrides(dtype === "float32" ? result(h, x._perm, "ToCopyBackward0", [x], (gy) => [gy]) : new Tensor(h, x._perm), denseStrides(x));
}

/** A copy in the same layout. */
export function clone(x: Tensor): Tensor {
  return withStrides(result(tf.clone(x._h), x._perm, "CloneBackward0", [x], (gy) => [gy]), denseStrides(x));
}

/** The values in logical order: `x` itself when they already are, else a copy. */
export function contiguous(x: Tensor): Tensor {
  const perm = x._perm;
  if (!perm && !x._strides) return x;
  return result(tf.tidy(() => tf.clone(contig(x))), null, "CloneBackward0", [x], (gy) => [toPhys(gy, perm)]);
}
