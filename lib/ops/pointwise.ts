/**
 * Element-wise ops. Unary ops and ops between tensors of one shape and layout work on the
 * physical buffer and keep the layout; broadcasting ops work in logical order.
 */
import * as tf from "@tensorflow/tfjs-core";
import { RuntimeError, shapeStr } from "../errors";
import { result, sameShape, Tensor, tfDtype, type DType, type TensorOrScalar } from "../tensor/tensor";
import { contig, samePerm, toPhys } from "../tensor/layout";

// ---- unary: y = f(x); dx from (gy, x, y) --------------------------------------------------------
type UnaryGrad = (gy: tf.Tensor, x: tf.Tensor, y: tf.Tensor) => tf.Tensor;

function unary(name: string, x: Tensor, f: (x: tf.Tensor) => tf.Tensor, grad: UnaryGrad): Tensor {
  const xh = x._h;
  const y = f(xh);
  return result(y, x._perm, name, [x], (gy) => [grad(gy, xh, y)]);
}

/** `torch.neg(x)`: −x for each element. */
export const neg = (x: Tensor) => unary("NegBackward0", x, tf.neg, (gy) => tf.neg(gy));
/** `torch.exp(x)`: eˣ for each element. */
export const exp = (x: Tensor) => unary("ExpBackward0", x, tf.exp, (gy, _x, y) => tf.mul(gy, y));
/** `torch.log(x)`: the natural logarithm of each element (−inf at 0, NaN below). */
export const log = (x: Tensor) => unary("LogBackward0", x, tf.log, (gy, xh) => tf.div(gy, xh));
/** `torch.sqrt(x)`: the square root of each element. */
export const sqrt = (x: Tensor) => unary("SqrtBackward0", x, tf.sqrt, (gy, _x, y) => tf.div(gy, tf.mul(y, 2)));
/** `torch.abs(x)`: |x| for each element. */
export const abs = (x: Tensor) => unary("AbsBackward0", x, tf.abs, (gy, xh) => tf.mul(gy, tf.sign(xh)));
/** `F.relu(x)`: max(0, x) for each element (the rectified linear unit). Any shape in, the same shape out. */
export const relu = (x: Tensor) => unary("ReluBackward0", x, tf.relu, (gy, _x, y) => tf.mul(gy, tf.step(y)));
/** `F.leakyRelu(x, negativeSlope = 0.01)`: x where x > 0, else negativeSlope · x (PyTorch's slope at 0 too). */
export const leakyRelu = (x: Tensor, negativeSlope = 0.01) => unary("LeakyReluBackward0", x, (h) => tf.leakyRelu(h, negativeSlope),
  (gy, xh) => tf.where(tf.greater(xh, 0), gy, tf.mul(gy, negativeSlope)));
/** `torch.sigmoid(x)`: 1 / (1 + e⁻ˣ) for each element. */
export const sigmoid = (x: Tensor) =>
  unary("SigmoidBackward0", x, tf.sigmoid, (gy, _x, y) => tf.mul(gy, tf.mul(y, tf.sub(1, y))));
/** `torch.tanh(x)`: the hyperbolic tangent of each element. */
export const tanh = (x: Tensor) =>
  unary("TanhBackward0", x, tf.tanh, (gy, _x, y) => tf.mul(gy, tf.sub(1, tf.square(y))));

/** `torch.pow(x, p)`: each element to the power `p`. */
export function pow(x: Tensor, p: number): Tensor {
  if (p === 2) return unary("PowBackward0", x, tf.square, (gy, xh) => tf.mul(gy, tf.mul(xh, 2)));
  return unary("PowBackward0", x, (h) => tf.pow(h, p), (gy, xh) => tf.mul(gy, tf.mul(tf.pow(xh, p - 1), p)));
}

// ---- binary with broadcasting -------------------------------------------------------------------
type BinaryGrad = (gy: tf.Tensor, a: tf.Tensor, b: tf.Tensor) => [tf.Tensor, tf.Tensor];

/** Sums a broadcast gradient back to `shape`. */
export function unbroadcast(g: tf.Tensor, shape: readonly number[]): tf.Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  const summed = axes.length ? tf.sum(g, axes, true) : g;
  return tf.reshape(summed, [...shape]);
}

function broadcastShape(a: readonly number[], b: readonly number[], what: string): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new RuntimeError(`${what}: the size of tensor a (${da}) must match the size of tensor b (${db}) at non-singleton dimension ${i} ` +
        `(shapes ${shapeStr(a)} and ${shapeStr(b)} do not broadcast)`);
    }
    out.push(Math.max(da, db));
  }
  return out;
}

function asTensor(v: TensorOrScalar, like: Tensor): Tensor {
  if (v instanceof Tensor) return v;
  if (typeof v !== "number") throw new RuntimeError(`expected a Tensor or a number, got ${typeof v}`);
  return new Tensor(tf.scalar(v, like.dtype === "float32" || !Number.isInteger(v) ? "float32" : "int32"));
}

/** PyTorch's type promotion, reduced to our dtypes: bool < int64 < float32; true division is float. */
function promote(a: Tensor, b: Tensor, trueDivision: boolean): [Tensor, Tensor] {
  const rank = (d: DType) => (d === "float32" ? 2 : d === "int64" ? 1 : 0);
  const top = trueDivision ? "float32" : rank(a.dtype) >= rank(b.dtype) ? a.dtype : b.dtype;
  const target: DType = top === "bool" ? "int64" : top;
  return [cast(a, target), cast(b, target)];
}

function binary(name: string, a: TensorOrScalar, b: TensorOrScalar, f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, grad: BinaryGrad): Tensor {
  if (!(a instanceof Tensor) && !(b instanceof Tensor)) throw new RuntimeError(`${name}: at least one argument must be a Tensor`);
  const like = (a instanceof Tensor ? a : b) as Tensor;
  const [ta, tb] = promote(asTensor(a, like), asTensor(b, like), name === "DivBackward0");
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
  const fresh = [pa ? ca : null, pb ? cb : null].filter((t): t is tf.Tensor => t !== null);
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
  const h = tf.cast(x._h, tfDtype(dtype));
  return dtype === "float32" ? result(h, x._perm, "ToCopyBackward0", [x], (gy) => [gy]) : new Tensor(h, x._perm);
}

/** A copy in the same layout. */
export function clone(x: Tensor): Tensor {
  return result(tf.clone(x._h), x._perm, "CloneBackward0", [x], (gy) => [gy]);
}

/** The values in logical order: `x` itself when they already are, else a copy. */
export function contiguous(x: Tensor): Tensor {
  const perm = x._perm;
  if (!perm) return x;
  return result(tf.tidy(() => tf.clone(contig(x))), null, "CloneBackward0", [x], (gy) => [toPhys(gy, perm)]);
}
