/** softmax / log_softmax along any dim (the backends do the last axis; other dims are moved there). */
import * as tf from "@tensorflow/tfjs-core";
import { dimArg, normDim, result, Tensor, type DimArg } from "../tensor/tensor";
import { RuntimeError } from "../errors";
import { contig, toPhys } from "../tensor/layout";

/** Runs `f` on the last axis of `h` after moving `dim` there, and moves the result back. */
function onLastAxis(h: tf.Tensor, dim: number, f: (t: tf.Tensor) => tf.Tensor): tf.Tensor {
  const last = h.rank - 1;
  if (dim === last) return f(h);
  const swap = [...Array(h.rank).keys()].map((i) => (i === dim ? last : i === last ? dim : i));
  return tf.transpose(f(tf.transpose(h, swap)), swap);
}

/** PyTorch has no softmax of integers or bools (an empty one comes back as it is). Returns whether `x` is that empty one. */
function floatOnly(x: Tensor, what: string): boolean {
  if (x.dtype === "float32") return false;
  if (x.numel() > 0) throw new RuntimeError(`"${what}" not implemented for '${x.dtype === "int64" ? "Long" : "Bool"}' (convert with .float() first)`);
  return true;
}

/** An empty input gives an empty output: the wasm kernels divide by a zero size (a trap that takes the backend down). */
function empty(x: Tensor, name: string): Tensor {
  return result(tf.zeros([...x.shape]), null, name, [x], () => [tf.zeros(x._h.shape)]);
}

/** `F.softmax(x, 1)` or `F.softmax(x, { dim: 1 })`: exp(xᵢ) / Σⱼ exp(xⱼ) along `dim`, computed stably: the values along it are in [0, 1] and sum to 1. */
export function softmax(x: Tensor, dim: DimArg): Tensor {
  const d = normDim(dimArg(dim, false).dim, x.dim());
  if (floatOnly(x, "softmax_kernel_impl")) return new Tensor(tf.clone(x._h), x._perm);
  if (x.numel() === 0) return empty(x, "SoftmaxBackward0");
  const perm = x._perm;
  const y = tf.tidy(() => onLastAxis(contig(x), d, tf.softmax));
  return result(y, null, "SoftmaxBackward0", [x], (gy) =>
    // dx = y * (gy - sum(gy * y))
    [toPhys(tf.mul(y, tf.sub(gy, tf.sum(tf.mul(gy, y), d, true))), perm)]);
}

/** `F.logSoftmax(x, 1)` or `F.logSoftmax(x, { dim: 1 })`. */
export function logSoftmax(x: Tensor, dim: DimArg): Tensor {
  const d = normDim(dimArg(dim, false).dim, x.dim());
  if (floatOnly(x, "log_softmax_kernel_impl")) return new Tensor(tf.clone(x._h), x._perm);
  if (x.numel() === 0) return empty(x, "LogSoftmaxBackward0");
  const perm = x._perm;
  const y = tf.tidy(() => onLastAxis(contig(x), d, tf.logSoftmax));
  return result(y, null, "LogSoftmaxBackward0", [x], (gy) =>
    // dx = gy - softmax * sum(gy)
    [toPhys(tf.sub(gy, tf.mul(tf.exp(y), tf.sum(gy, d, true))), perm)]);
}
