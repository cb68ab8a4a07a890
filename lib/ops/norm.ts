/** Batch normalisation over the channel axis (dim 1) of (N, C) or (N, C, H, W) inputs, and dropout. */
import * as tf from "@tensorflow/tfjs-core";
import { RuntimeError, ValueError, shapeStr } from "../errors";
import { fillUniform } from "../tensor/random";
import { result, Tensor } from "../tensor/tensor";
import { contig, NHWC_PERM, nhwcToPhysOf, toNHWC, toPhys } from "../tensor/layout";

/** The arguments of `F.batchNorm`: running statistics (updated in training), the affine weight and bias, `training`, `momentum` (default 0.1) and `eps` (default 1e-5). */
export interface BatchNormOptions {
  runningMean?: Tensor | null;
  runningVar?: Tensor | null;
  weight?: Tensor | null;
  bias?: Tensor | null;
  training?: boolean;
  momentum?: number;
  eps?: number;
}

/** `F.batchNorm(x, runningMean, runningVar, { weight, bias, training, momentum, eps })`. */
export function batchNorm(x: Tensor, opts: BatchNormOptions): Tensor {
  const { runningMean = null, runningVar = null, weight = null, bias = null } = opts;
  const training = opts.training ?? false;
  const momentum = opts.momentum ?? 0.1;
  const eps = opts.eps ?? 1e-5;
  if (x.dim() !== 2 && x.dim() !== 4) throw new RuntimeError(`batch_norm: expected 2D or 4D input (got ${x.dim()}D input of size ${shapeStr(x.shape)})`);
  const c = x.shape[1];
  for (const [name, t] of [["running_mean", runningMean], ["running_var", runningVar], ["weight", weight], ["bias", bias]] as const) {
    if (t && (t.dim() !== 1 || t.shape[0] !== c)) throw new RuntimeError(`batch_norm: ${name} should contain ${c} elements not ${t.numel()}`);
  }
  if (!training && (!runningMean || !runningVar)) throw new RuntimeError("batch_norm: running_mean and running_var are required in eval mode");
  const image = x.dim() === 4;
  // Channels last in both cases: (N, C) as is, (N, C, H, W) as NHWC.
  const h = image ? toNHWC(x) : contig(x);
  const axes = image ? [0, 1, 2] : [0];
  const count = h.size / c;
  if (training && count <= 1) throw new ValueError(`Expected more than 1 value per channel when training, got input size ${shapeStr(x.shape)}`);

  const { mean, variance } = tf.tidy(() => (training ? tf.moments(h, axes)
    : { mean: tf.clone(runningMean!._h), variance: tf.clone(runningVar!._h) }));
  const invstd = tf.tidy(() => tf.rsqrt(tf.add(variance, eps)));
  if (training && runningMean && runningVar) {
    tf.tidy(() => {
      runningMean._replace(tf.keep(tf.add(tf.mul(runningMean._h, 1 - momentum), tf.mul(mean, momentum))));
      runningVar._replace(tf.keep(tf.add(tf.mul(runningVar._h, 1 - momentum), tf.mul(variance, momentum * count / (count - 1)))));
    });
  }
  variance.dispose();
  const xhat = tf.tidy(() => tf.mul(tf.sub(h, mean), invstd));
  const y = tf.tidy(() => {
    let out = weight ? tf.mul(xhat, weight._h) : xhat;
    if (bias) out = tf.add(out, bias._h);
    return out === xhat ? tf.clone(xhat) : out;
  });
  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  const fresh = h !== x._h ? [h, xhat, mean, invstd] : [xhat, mean, invstd];
  const perm = x._perm;
  return result(y, image ? NHWC_PERM : null, "NativeBatchNormBackward0", inputs, (gy) => {
    const dxhat = weight ? tf.mul(gy, weight._h) : gy;
    const dx = training
      // (1/n) * invstd * (n * dxhat - sum(dxhat) - xhat * sum(dxhat * xhat))
      ? tf.mul(tf.div(invstd, count), tf.sub(tf.sub(tf.mul(dxhat, count), tf.sum(dxhat, axes)), tf.mul(xhat, tf.sum(tf.mul(dxhat, xhat), axes))))
      : tf.mul(dxhat, invstd);
    const grads: (tf.Tensor | null)[] = [image ? nhwcToPhysOf(dx, x) : toPhys(dx, perm)];
    if (weight) grads.push(tf.sum(tf.mul(gy, xhat), axes));
    if (bias) grads.push(tf.sum(gy, axes));
    return grads;
  }, fresh);
}

/**
 * `F.dropout(x, { p, training })` or `F.dropout(x, p)`: zeroes elements with probability p (0.5)
 * and scales the rest by 1/(1-p); PyTorch's functional default is training = true.
 */
export function dropout(x: Tensor, opts: { p?: number; training?: boolean } | number = {}): Tensor {
  const { p = 0.5, training = true } = typeof opts === "number" ? { p: opts } : opts;
  if (!(p >= 0 && p <= 1)) throw new ValueError(`dropout probability has to be between 0 and 1, but got ${p}`);
  if (!training || p === 0) return x;
  const u = fillUniform(new Float32Array(x.numel()), 0, 1);
  const scale = p === 1 ? 0 : 1 / (1 - p);
  for (let i = 0; i < u.length; i++) u[i] = u[i] < p ? 0 : scale;
  const mask = tf.tensor(u, x._h.shape, "float32");
  return result(tf.mul(x._h, mask), x._perm, "MulBackward0", [x], (gy) => [tf.mul(gy, mask)], [mask]);
}
