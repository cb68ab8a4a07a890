/**
 * 2-D convolution in PyTorch's layouts (input NCHW, weight [out, in/groups, kh, kw]) on the
 * backends' NHWC kernels. The output stays channels-last (see Tensor.perm), so a conv → pool →
 * relu chain never transposes its activations.
 */
import * as tf from "@tensorflow/tfjs-core";
import { RuntimeError, ValueError, shapeStr } from "../errors";
import { result, Tensor } from "../tensor/tensor";
import { NHWC_PERM, nhwcToPhysOf, toNHWC } from "../tensor/layout";
import { cat, narrow, squeeze, unsqueeze } from "./shape";

export type Pair = number | [number, number];
export type Padding = Pair | "same" | "valid";

/** The keyword arguments of `F.conv2d`: stride (default 1), padding (default 0, or "same" / "valid"), dilation (default 1), groups (default 1). */
export interface Conv2dOptions {
  stride?: Pair;
  padding?: Padding;
  dilation?: Pair;
  groups?: number;
}

export function pair(v: Pair, what: string): [number, number] {
  const p: [number, number] = typeof v === "number" ? [v, v] : [v[0], v[1]];
  if (!p.every((n) => Number.isInteger(n) && n >= 0)) throw new ValueError(`${what} must be a non-negative integer or a pair of them, got ${JSON.stringify(v)}`);
  return p;
}

type Explicit = [[number, number], [number, number], [number, number], [number, number]];

/** PyTorch padding → tfjs explicit NHWC padding. 'same' puts the odd pixel at the end, as both do. */
function explicitPadding(padding: Padding, kernel: [number, number]): Explicit {
  if (padding === "valid") return [[0, 0], [0, 0], [0, 0], [0, 0]];
  if (padding === "same") {
    const [th, tw] = [kernel[0] - 1, kernel[1] - 1];
    return [[0, 0], [th >> 1, th - (th >> 1)], [tw >> 1, tw - (tw >> 1)], [0, 0]];
  }
  const [ph, pw] = pair(padding, "padding");
  return [[0, 0], [ph, ph], [pw, pw], [0, 0]];
}

/** A dilated kernel as a dense one with zeros between the taps (HWIO). */
function dilateFilter(w: tf.Tensor, [dh, dw]: [number, number]): tf.Tensor {
  if (dh === 1 && dw === 1) return w;
  const [kh, kw, ci, co] = w.shape;
  const ew = dw * (kw - 1) + 1;
  const rows: tf.Tensor[] = [];
  for (let i = 0; i < kh; i++) {
    const cols: tf.Tensor[] = [];
    for (let j = 0; j < kw; j++) {
      cols.push(tf.slice(w, [i, j, 0, 0], [1, 1, ci, co]));
      if (j < kw - 1) cols.push(tf.zeros([1, dw - 1, ci, co]));
    }
    rows.push(tf.concat(cols, 1));
    if (i < kh - 1) rows.push(tf.zeros([dh - 1, ew, ci, co]));
  }
  return tf.concat(rows, 0); // [eh, ew, ci, co]
}

function checkInput(x: Tensor, weight: Tensor, groups: number, pad: Explicit, kEff: [number, number]): void {
  if (x.dim() !== 4) {
    throw new RuntimeError(`Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: ${shapeStr(x.shape)}`);
  }
  if (weight.dim() !== 4) throw new RuntimeError(`conv2d: weight must be 4-D [out, in/groups, kh, kw], got ${shapeStr(weight.shape)}`);
  const cin = x.shape[1];
  if (cin !== weight.shape[1] * groups) {
    throw new RuntimeError(`Given groups=${groups}, weight of size [${weight.shape.join(", ")}], expected input[${x.shape.join(", ")}] ` +
      `to have ${weight.shape[1] * groups} channels, but got ${cin} channels instead (check in_channels of the layer, or the input's channel dim)`);
  }
  const ph = x.shape[2] + pad[1][0] + pad[1][1];
  const pw = x.shape[3] + pad[2][0] + pad[2][1];
  if (ph < kEff[0] || pw < kEff[1]) {
    throw new RuntimeError(`Calculated padded input size per channel: (${ph} x ${pw}). Kernel size: (${kEff[0]} x ${kEff[1]}). Kernel size can't be greater than actual input size`);
  }
}

/** `F.conv2d(input, weight, bias?, { stride, padding, dilation, groups })`: a 2-D convolution (in fact a cross-correlation, as in PyTorch) of input (N, C_in, H, W) or (C_in, H, W) with weight (C_out, C_in / groups, kH, kW), giving (N, C_out, H_out, W_out), H_out = ⌊(H + 2·padding − dilation·(kH − 1) − 1) / stride⌋ + 1. */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, opts: Conv2dOptions = {}): Tensor {
  if (x.dim() === 3) return squeeze(conv2d(unsqueeze(x, 0), weight, bias, opts), 0);
  const groups = opts.groups ?? 1;
  const stride = pair(opts.stride ?? 1, "stride");
  const dilation = pair(opts.dilation ?? 1, "dilation");
  const padding = opts.padding ?? 0;
  if (padding === "same" && (stride[0] !== 1 || stride[1] !== 1)) {
    throw new ValueError("padding='same' is not supported for strided convolutions (use an explicit padding)");
  }
  const [kh, kw] = [weight.shape[2], weight.shape[3]];
  const kEff: [number, number] = [dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1];
  const pad = explicitPadding(padding, kEff);
  checkInput(x, weight, groups, pad, kEff);
  if (groups > 1) return groupedConv2d(x, weight, bias, groups, opts);

  const xh = toNHWC(x);
  const w = tf.tidy(() => dilateFilter(tf.transpose(weight._h, [2, 3, 1, 0]), dilation)); // HWIO
  const y = tf.fused.conv2d({ x: xh as tf.Tensor4D, filter: w as tf.Tensor4D, strides: stride, pad, dataFormat: "NHWC", bias: bias?._h });
  const inputs = bias ? [x, weight, bias] : [x, weight];
  const xShape = xh.shape as [number, number, number, number];
  const fresh = xh !== x._h ? [xh, w] : [w];
  return result(y, NHWC_PERM, "ConvolutionBackward0", inputs, (gy) => {
    const [nx, nw, nb] = inputs.map((t) => t.requiresGrad);
    // Gradients nobody asked for are not computed (the first layer's dx would cost ~7 ms).
    const dx = nx ? nhwcToPhysOf(tf.engine().runKernel("Conv2DBackpropInput",
      { dy: gy, filter: w }, { strides: stride, pad, dataFormat: "NHWC", inputShape: xShape }) as tf.Tensor, x) : null;
    let dw: tf.Tensor | null = null;
    if (nw) {
      const dwEff = tf.engine().runKernel("Conv2DBackpropFilter",
        { x: xh, dy: gy }, { strides: stride, pad, dataFormat: "NHWC", filterShape: w.shape }) as tf.Tensor;
      const dwHWIO = dilation[0] === 1 && dilation[1] === 1 ? dwEff
        : tf.stridedSlice(dwEff, [0, 0, 0, 0], dwEff.shape, [dilation[0], dilation[1], 1, 1]);
      dw = tf.transpose(dwHWIO, [3, 2, 0, 1]);
    }
    const db = bias && nb ? tf.sum(gy, [0, 1, 2]) : null;
    return [dx, dw, db];
  }, fresh);
}

/** groups > 1: one convolution per group of channels, concatenated. */
function groupedConv2d(x: Tensor, weight: Tensor, bias: Tensor | null, groups: number, opts: Conv2dOptions): Tensor {
  const cout = weight.shape[0];
  if (cout % groups !== 0) throw new ValueError(`out_channels (${cout}) must be divisible by groups (${groups})`);
  const [ci, co] = [x.shape[1] / groups, cout / groups];
  const parts = [];
  for (let g = 0; g < groups; g++) {
    parts.push(conv2d(narrow(x, 1, g * ci, ci), narrow(weight, 0, g * co, co), bias ? narrow(bias, 0, g * co, co) : null,
      { ...opts, groups: 1 }));
  }
  return cat(parts, 1);
}
