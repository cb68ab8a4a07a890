/** 2-D max and average pooling in NCHW, computed channels-last (the output stays channels-last). */
import * as tf from "@tensorflow/tfjs-core";
import { RuntimeError, shapeStr } from "../errors";
import { result, Tensor } from "../tensor/tensor";
import { NHWC_PERM, nhwcToPhysOf, toNHWC } from "../tensor/layout";
import { pair, type Pair } from "./conv";
import { squeeze, unsqueeze } from "./shape";

/** The keyword arguments of `F.maxPool2d` / `F.avgPool2d` after the kernel size. */
export interface Pool2dOptions {
  /** Defaults to the kernel size, as in PyTorch. */
  stride?: Pair | null;
  padding?: Pair;
  /** Average pooling only: count the zero padding in the divisor (PyTorch's default true). */
  countIncludePad?: boolean;
}

interface PoolGeometry { k: [number, number]; s: [number, number]; p: [number, number]; }

/** The options, or the stride alone given positionally (`F.maxPool2d(x, 3, 2)`, as in PyTorch). */
function poolOptions(opts: Pool2dOptions | Pair): Pool2dOptions {
  return typeof opts === "object" && !Array.isArray(opts) ? opts : { stride: opts };
}

function geometry(x: Tensor, kernelSize: Pair, opts: Pool2dOptions, what: string): PoolGeometry {
  if (x.dim() !== 4) throw new RuntimeError(`${what}: expected 3D or 4D input (N, C, H, W), got input of size: ${shapeStr(x.shape)}`);
  const k = pair(kernelSize, "kernel_size");
  const s = pair(opts.stride ?? k, "stride");
  const p = pair(opts.padding ?? 0, "padding");
  if (p[0] > k[0] / 2 || p[1] > k[1] / 2) {
    throw new RuntimeError(`${what}: pad should be at most half of effective kernel size, but got pad=${p}, kernel_size=${k}`);
  }
  const [h, w] = [x.shape[2], x.shape[3]];
  if (h + 2 * p[0] < k[0] || w + 2 * p[1] < k[1]) {
    throw new RuntimeError(`${what}: input of size ${h}x${w} (padded ${h + 2 * p[0]}x${w + 2 * p[1]}) is smaller than the kernel ${k[0]}x${k[1]}`);
  }
  return { k, s, p };
}

const tfPad = (p: [number, number]): [[number, number], [number, number], [number, number], [number, number]] =>
  [[0, 0], [p[0], p[0]], [p[1], p[1]], [0, 0]];

/** `F.maxPool2d(x, 2)`, `F.maxPool2d(x, 3, 2)` (stride positionally) or `F.maxPool2d(x, 3, { stride: 2, padding: 1 })`. */
export function maxPool2d(x: Tensor, kernelSize: Pair, options: Pool2dOptions | Pair = {}): Tensor {
  if (x.dim() === 3) return squeeze(maxPool2d(unsqueeze(x, 0), kernelSize, options), 0);
  const { k, s, p } = geometry(x, kernelSize, poolOptions(options), "max_pool2d");
  const xh = toNHWC(x);
  // Out-of-bounds positions never win (PyTorch pads with -inf); explicit padding does the same here.
  const pad = p[0] === 0 && p[1] === 0 ? "valid" : tfPad(p);
  const y = tf.maxPool(xh as tf.Tensor4D, k, s, pad as "valid");
  const fresh = xh !== x._h ? [xh] : [];
  return result(y, NHWC_PERM, "MaxPool2DWithIndicesBackward0", [x], (gy) => [nhwcToPhysOf(tf.engine().runKernel("MaxPoolGrad",
    { dy: gy, input: xh, output: y }, { filterSize: k, strides: s, pad }) as tf.Tensor, x)], fresh);
}

/** `F.avgPool2d(x, 2)`, `F.avgPool2d(x, 3, 2)` or `F.avgPool2d(x, 3, { stride: 2, padding: 1, countIncludePad: false })`. */
export function avgPool2d(x: Tensor, kernelSize: Pair, options: Pool2dOptions | Pair = {}): Tensor {
  if (x.dim() === 3) return squeeze(avgPool2d(unsqueeze(x, 0), kernelSize, options), 0);
  const opts = poolOptions(options);
  const { k, s, p } = geometry(x, kernelSize, opts, "avg_pool2d");
  const includePad = opts.countIncludePad ?? true;
  const padded = p[0] > 0 || p[1] > 0;
  const [n, , h, w] = x.shape;
  // Average over an explicitly zero-padded input; without countIncludePad, rescale each window by
  // k·k / (its real cells), which is the average pool of a padded map of ones.
  const [y, scale] = tf.tidy(() => {
    const xh = toNHWC(x);
    const src = padded ? tf.pad(xh, tfPad(p)) : xh;
    const pooled = tf.avgPool(src as tf.Tensor4D, k, s, "valid");
    if (!padded || includePad) return [pooled, null];
    const ones = tf.pad(tf.ones([1, h, w, 1]), tfPad(p));
    const c = tf.avgPool(ones as tf.Tensor4D, k, s, "valid");
    return [tf.div(pooled, c), tf.div(1, c)];
  });
  const paddedShape: [number, number, number, number] = [n, h + 2 * p[0], w + 2 * p[1], x.shape[1]];
  return result(y, NHWC_PERM, "AvgPool2DBackward0", [x], (gy) => {
    const input = tf.zeros(paddedShape); // AvgPoolGrad reads only the input's shape
    const dy = scale ? tf.mul(gy, scale) : gy;
    let g = tf.engine().runKernel("AvgPoolGrad", { dy, input }, { filterSize: k, strides: s, pad: "valid" }) as tf.Tensor;
    if (padded) g = tf.slice(g, [0, p[0], p[1], 0], [-1, h, w, -1]);
    return [nhwcToPhysOf(g, x)];
  }, scale ? [scale] : []);
}
