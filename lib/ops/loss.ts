/** Loss functions with PyTorch's reductions ('mean' by default, 'sum', 'none'). */
import * as tf from "@tensorflow/tfjs-core";
import { CROSS_ENTROPY, type CrossEntropyAttrs } from "../backend/fused";
import { IndexError, RuntimeError, ValueError, shapeStr } from "../errors";
import { result, sameShape, Tensor } from "../tensor/tensor";
import { contig, toPhys } from "../tensor/layout";

/** How a loss reduces its per-element values: `"mean"` (the default), `"sum"` or `"none"` (one value per element). */
export type Reduction = "mean" | "sum" | "none";

/** The keyword arguments of the losses: `reduction` (default "mean"). */
export interface LossOptions { reduction?: Reduction; }

function reduction(opts: LossOptions): Reduction {
  const r = opts.reduction ?? "mean";
  if (r !== "mean" && r !== "sum" && r !== "none") throw new ValueError(`${r} is not a valid value for reduction (use 'mean', 'sum' or 'none')`);
  return r;
}

/** Reduces per-element losses; returns the value and the scale of each element's gradient. */
function reduce(losses: tf.Tensor, r: Reduction): tf.Tensor {
  return r === "mean" ? tf.mean(losses) : r === "sum" ? tf.sum(losses) : losses;
}

/** The upstream gradient spread back over the per-element losses (a scalar broadcasts). */
function spread(gy: tf.Tensor, shape: number[], r: Reduction): tf.Tensor {
  const n = shape.reduce((a, d) => a * d, 1);
  return r === "none" ? tf.reshape(gy, shape) : r === "mean" ? tf.div(gy, n) : gy;
}

/** Per-sample upstream gradient of an (N, C) loss, shaped to broadcast over classes. */
function perSample(gy: tf.Tensor, n: number, r: Reduction): tf.Tensor {
  return r === "none" ? tf.reshape(gy, [n, 1]) : spread(gy, [n], r);
}

/** Class targets of an (N, C) input, checked to be in range, one-hot. */
function classTargets(input: Tensor, target: Tensor, what: string): tf.Tensor {
  checkClassTargets(input, target, what);
  return tf.oneHot(contig(target), input.shape[1]);
}

function checkClassTargets(input: Tensor, target: Tensor, what: string): void {
  if (input.dim() !== 2) {
    throw new RuntimeError(`${what}: expected input of shape (N, C), got ${shapeStr(input.shape)}; ` +
      "for per-pixel classes move C last and flatten to (N·H·W, C), with the target flattened to (N·H·W,)");
  }
  if (target.dtype !== "int64") {
    throw new RuntimeError(`${what}: expected target of dtype int64 (class indices), got ${target.dtype}; use target.long()`);
  }
  const [n, c] = input.shape;
  if (target.dim() !== 1 || target.shape[0] !== n) {
    throw new ValueError(`${what}: Expected input batch_size (${n}) to match target batch_size (${target.dim() === 1 ? target.shape[0] : shapeStr(target.shape)})`);
  }
  const t = target.dataSync();
  for (let i = 0; i < t.length; i++) {
    if (t[i] < 0 || t[i] >= c) throw new IndexError(`${what}: Target ${t[i]} is out of bounds (the input has ${c} classes, so targets must be in [0, ${c - 1}])`);
  }
}

/** `F.crossEntropy(logits (N, C), target (N,) int64)`: log_softmax and nll in one node. */
export function crossEntropy(input: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  const r = reduction(opts);
  if (tf.getKernel(CROSS_ENTROPY, tf.getBackend()) !== undefined) return fusedCrossEntropy(input, target, r);
  const hot = classTargets(input, target, "cross_entropy");
  const perm = input._perm;
  const [logp, loss] = tf.tidy(() => {
    const lp = tf.logSoftmax(contig(input));
    return [lp, reduce(tf.neg(tf.sum(tf.mul(lp, hot), 1)), r)];
  });
  const n = input.shape[0];
  return result(loss, null, "NllLossBackward0", [input], (gy) => {
    // d/dx = (softmax - onehot) * upstream per sample
    const g = perSample(gy, n, r);
    return [toPhys(tf.mul(tf.sub(tf.exp(logp), hot), g), perm)];
  }, [logp, hot]);
}

/** crossEntropy on a backend's one-call kernel (backend/fused.ts): 2 kernels where the ops above take ~22. */
function fusedCrossEntropy(input: Tensor, target: Tensor, r: Reduction): Tensor {
  checkClassTargets(input, target, "cross_entropy");
  const attrs: CrossEntropyAttrs = { reduction: r };
  const [loss, grad] = tf.tidy(() => tf.engine().runKernel(CROSS_ENTROPY, { logits: contig(input), target: contig(target) }, attrs) as tf.Tensor[]);
  const [perm, n] = [input._perm, input.shape[0]];
  return result(loss, null, "NllLossBackward0", [input], (gy) =>
    [toPhys(tf.mul(grad, r === "none" ? tf.reshape(gy, [n, 1]) : gy), perm)], [grad]);
}

/** `F.nllLoss(logProbs (N, C), target (N,) int64)`. */
export function nllLoss(input: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  const r = reduction(opts);
  const hot = classTargets(input, target, "nll_loss");
  const perm = input._perm;
  const loss = tf.tidy(() => reduce(tf.neg(tf.sum(tf.mul(contig(input), hot), 1)), r));
  const n = input.shape[0];
  return result(loss, null, "NllLossBackward0", [input], (gy) =>
    [toPhys(tf.mul(tf.neg(hot), perSample(gy, n, r)), perm)], [hot]);
}

function sameShapes(input: Tensor, target: Tensor, what: string): void {
  if (!sameShape(input.shape, target.shape)) {
    throw new ValueError(`${what}: Using a target size (${shapeStr(target.shape)}) that is different to the input size (${shapeStr(input.shape)}); ` +
      "make them equal (e.g. target.view(input.shape))");
  }
}

/** `F.mseLoss(input, target)`. */
export function mseLoss(input: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  const r = reduction(opts);
  sameShapes(input, target, "mse_loss");
  const [pi, pt] = [input._perm, target._perm];
  const shape = [...input.shape];
  const diff = tf.tidy(() => tf.sub(contig(input), contig(target)));
  const loss = tf.tidy(() => reduce(tf.square(diff), r));
  return result(loss, null, "MseLossBackward0", [input, target], (gy) => {
    const g = tf.mul(tf.mul(diff, 2), spread(gy, shape, r));
    return [toPhys(g, pi), toPhys(tf.neg(g), pt)];
  }, [diff]);
}

/** `F.binaryCrossEntropyWithLogits(logits, target)`, computed stably. */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  const r = reduction(opts);
  sameShapes(input, target, "binary_cross_entropy_with_logits");
  const [pi, pt] = [input._perm, target._perm];
  const shape = [...input.shape];
  const [x, z] = [contig(input), contig(target)];
  const fresh = [pi ? x : null, pt ? z : null].filter((t): t is tf.Tensor => t !== null);
  // max(x, 0) - x z + log(1 + exp(-|x|))
  const loss = tf.tidy(() => reduce(tf.add(tf.sub(tf.relu(x), tf.mul(x, z)), tf.log1p(tf.exp(tf.neg(tf.abs(x))))), r));
  return result(loss, null, "BinaryCrossEntropyWithLogitsBackward0", [input, target], (gy) => {
    const g = spread(gy, shape, r);
    return [toPhys(tf.mul(tf.sub(tf.sigmoid(x), z), g), pi), toPhys(tf.mul(tf.neg(x), g), pt)];
  }, fresh);
}
