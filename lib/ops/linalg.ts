/** Matrix products. A transposed 2-D operand is read in place through matMul's transpose flags. */
import * as tf from "@tensorflow/tfjs-core";
import { RuntimeError, shapeStr } from "../errors";
import { result, Tensor } from "../tensor/tensor";
import { contig, toPhys } from "../tensor/layout";
import { expand, reshape, unsqueeze, squeeze } from "./shape";
import { abs, broadcastShape, cast } from "./pointwise";
import { max } from "./reduce";

/** A 2-D operand: its buffer and whether that buffer holds the transpose. */
function operand(t: Tensor): { h: tf.Tensor; tr: boolean; fresh: boolean } {
  if (!t._perm) return { h: t._h, tr: false, fresh: false };
  if (t.dim() === 2) return { h: t._h, tr: true, fresh: false }; // perm [1, 0]
  return { h: contig(t), tr: false, fresh: true };
}

function mismatch(a: readonly number[], b: readonly number[]): RuntimeError {
  return new RuntimeError(`mat1 and mat2 shapes cannot be multiplied (${a.join("x")} and ${b.join("x")})`);
}

/** PyTorch's names of the dtypes in its "expected scalar type" errors. */
const SCALAR_TYPE = { float32: "Float", int64: "Long", bool: "Bool" } as const;

/** PyTorch's error for operands of two dtypes (a product does not promote). */
export function sameDtype(a: Tensor, b: Tensor, message?: string): void {
  if (a.dtype !== b.dtype) throw new RuntimeError(message ?? `expected scalar type ${SCALAR_TYPE[a.dtype]} but found ${SCALAR_TYPE[b.dtype]}`);
}

/** `torch.mm`: matrices only (matmul is the one that takes vectors and batches). */
export function mm(a: Tensor, b: Tensor): Tensor {
  if (a.dim() !== 2) throw new RuntimeError("self must be a matrix");
  if (b.dim() !== 2) throw new RuntimeError("mat2 must be a matrix");
  return matmul(a, b);
}

/** `torch.bmm`: batches of matrices, [B, n, m] · [B, m, p]. */
export function bmm(a: Tensor, b: Tensor): Tensor {
  if (a.dim() !== 3) throw new RuntimeError("batch1 must be a 3D tensor");
  if (b.dim() !== 3) throw new RuntimeError("batch2 must be a 3D tensor");
  if (a.shape[0] !== b.shape[0] || a.shape[2] !== b.shape[1]) {
    throw new RuntimeError(`Expected size for first two dimensions of batch2 tensor to be: [${a.shape[0]}, ${a.shape[2]}] but got: [${b.shape[0]}, ${b.shape[1]}].`);
  }
  return matmul(a, b);
}

/** `torch.matmul(a, b)`: the matrix product with PyTorch's rules: 1-D · 1-D is the dot product, 2-D · 2-D the matrix product (n, m) @ (m, p) → (n, p), a 1-D operand is treated as a row / column and its dim removed after, and leading (batch) dims broadcast. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  sameDtype(a, b);
  if (a.dtype !== "float32") return intMatmul(a, b);
  if (a.dim() === 1 && b.dim() === 1) return squeeze(squeeze(matmul(unsqueeze(a, 0), unsqueeze(b, 1)), -1), -1);
  if (a.dim() === 1) return squeeze(matmul(unsqueeze(a, 0), b), -2);
  if (b.dim() === 1) return squeeze(matmul(a, unsqueeze(b, 1)), -1);
  const [sa, sb] = [a.shape, b.shape];
  if (sa[sa.length - 1] !== sb[sb.length - 2]) throw mismatch(sa.slice(-2), sb.slice(-2));
  if (a.dim() !== b.dim() || a.dim() > 3 || (a.dim() === 3 && a.shape[0] !== b.shape[0])) return broadcastMatmul(a, b);
  const A = operand(a);
  const B = operand(b);
  const y = tf.matMul(A.h, B.h, A.tr, B.tr);
  const fresh = [A, B].filter((o) => o.fresh).map((o) => o.h);
  return result(y, null, a.dim() === 2 ? "MmBackward0" : "BmmBackward0", [a, b], (gy) => [
    // dA = gy · Bᵀ and dB = Aᵀ · gy, each written straight into its operand's buffer layout.
    A.tr ? tf.matMul(B.h, gy, B.tr, true) : tf.matMul(gy, B.h, false, !B.tr),
    B.tr ? tf.matMul(gy, A.h, true, A.tr) : tf.matMul(A.h, gy, !A.tr, false),
  ].map((g, i) => (i === 0 ? (A.fresh ? toPhys(g, a._perm) : g) : (B.fresh ? toPhys(g, b._perm) : g))), fresh);
}

/** Batch dims that broadcast ([2, 1, n, k] · [3, k, m] → [2, 3, n, m]): both expanded and flattened to one batch dim. */
function broadcastMatmul(a: Tensor, b: Tensor): Tensor {
  const batch = broadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2), "matmul");
  const count = batch.reduce((p, d) => p * d, 1);
  const asBatch = (t: Tensor) => reshape(expand(t, [...batch, ...t.shape.slice(-2)]), [count, ...t.shape.slice(-2)]);
  return reshape(matmul(asBatch(a), asBatch(b)), [...batch, a.shape[a.dim() - 2], b.shape[b.dim() - 1]]);
}

/**
 * int64 products: the backends multiply float32 only, which is exact while every partial sum stays
 * below 2^24 (bounded by |a| · |b|); beyond that this raises rather than round.
 */
function intMatmul(a: Tensor, b: Tensor): Tensor {
  if (a.dtype === "bool") throw new RuntimeError(`"addmm_impl_cpu_" not implemented for 'Bool'`);
  const [fa, fb] = [cast(a, "float32"), cast(b, "float32")];
  const bound = matmul(abs(fa), abs(fb));
  if (bound.numel() > 0 && max(bound).item() >= 2 ** 24) {
    throw new RuntimeError("integer overflow: this int64 matrix product has partial sums of 2^24 or more, which nnlab cannot multiply exactly " +
      "(it multiplies in float32); use .float() for an approximate product, or smaller numbers");
  }
  return cast(matmul(fa, fb), "int64");
}

/** `F.linear(x, weight, bias)`: y = x · Wᵀ + b over the last axis of x; W is [out, in]. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const xs = [...x.shape];
  const [outF, inF] = weight.shape;
  if (weight.dim() !== 2) throw new RuntimeError(`linear(): weight must be 2-D [out_features, in_features], got ${shapeStr(weight.shape)}`);
  // PyTorch's addmm (2-D input) and matmul messages; an int64 batch wants .float() first.
  sameDtype(x, weight, x.dim() === 2 ? "mat1 and mat2 must have the same dtype" : undefined);
  if (xs[xs.length - 1] !== inF) {
    const rows = xs.length === 1 ? 1 : xs.slice(0, -1).reduce((p, d) => p * d, 1);
    throw mismatch([rows, xs[xs.length - 1]], [inF, outF]);
  }
  const x2d = tf.tidy(() => tf.reshape(contig(x), [-1, inF]));
  const W = operand(weight);
  const y2d = tf.tidy(() => {
    const xw = tf.matMul(x2d, W.h, false, !W.tr);
    return bias ? tf.add(xw, bias._h) : xw;
  });
  const y = tf.reshape(y2d, [...xs.slice(0, -1), outF]);
  y2d.dispose();
  const inputs = bias ? [x, weight, bias] : [x, weight];
  const xPerm = x._perm;
  return result(y, null, xs.length === 2 && bias ? "AddmmBackward0" : "MmBackward0", inputs, (gy) => {
    const g2d = tf.reshape(gy, [-1, outF]);
    const needs = inputs.map((t) => t.requiresGrad);
    // dx = gy · W; with W stored as Wᵀ that is gy · (Wᵀ)ᵀ, read in place by the transposeB product.
    // Not computed for an input that needs no gradient (the first layer: 1.6 ms of the FC step).
    const dx2d = !needs[0] ? null : tf.matMul(g2d, W.h, false, W.tr);
    const dx = dx2d ? toPhys(tf.reshape(dx2d, xs), xPerm) : null;
    // dW = gyᵀ · x, [out, in]; stored transposed when the weight's buffer is.
    const dW = needs[1] ? (W.tr ? tf.matMul(x2d, g2d, true, false) : tf.matMul(g2d, x2d, true, false)) : null;
    const db = bias && needs[2] ? tf.sum(g2d, 0) : null;
    return [dx, dW, db];
  }, [x2d]);
}
