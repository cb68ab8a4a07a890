/** Layers: each holds its state and its forward is one call into the functional ops. */
import * as ops from "../ops";
import { pair, type Padding, type Pair } from "../ops/conv";
import { checkOptions, IndexError, ValueError } from "../errors";
import { indexable } from "../tensor/indexable";
import { pythonFloat } from "../tensor/print";
import * as creation from "../tensor/creation";
import type { Tensor } from "../tensor/tensor";
import { resetLinearLike, ones_, zeros_ } from "./init";
import { Module, Parameter } from "./module";

const tuple = (p: [number, number]) => `(${p[0]}, ${p[1]})`;

function positiveInt(v: number, what: string, layer: string): number {
  if (!Number.isInteger(v) || v <= 0) throw new ValueError(`${layer}: ${what} must be a positive integer, got ${v}`);
  return v;
}

/**
 * Applies an affine transformation y = x·Wᵀ + b (PyTorch's `nn.Linear`).
 * @param inFeatures size of each input sample; input shape (*, in_features)
 * @param outFeatures size of each output sample; output shape (*, out_features)
 * @param opts.bias learn an additive bias (default true)
 */
export class Linear extends Module {
  /** The learnable weights, shape (out_features, in_features), initialised from U(−√k, √k), k = 1/in_features. */
  weight: Parameter;
  /** The learnable bias, shape (out_features), initialised as the weight; null with `bias: false`. */
  bias: Parameter | null;
  constructor(
    /** Size of each input sample. */
    readonly inFeatures: number,
    /** Size of each output sample. */
    readonly outFeatures: number,
    opts: { bias?: boolean } = {},
  ) {
    super();
    positiveInt(inFeatures, "in_features", "Linear");
    positiveInt(outFeatures, "out_features", "Linear");
    // Stored transposed ([in, out], as PyTorch's `weight.t()`): the backends multiply x · W
    // fastest without transposing W (wasm: 5.2 → ~1.2 ms for the 784 → 512 layer).
    this.weight = new Parameter(creation.zeros(outFeatures, inFeatures), true, [1, 0]);
    this.bias = opts.bias ?? true ? new Parameter(creation.zeros(outFeatures)) : null;
    this.resetParameters();
  }
  /** Re-initialises weight and bias as the constructor does (PyTorch's `reset_parameters`: kaiming-uniform with a = √5). */
  resetParameters(): void { resetLinearLike(this.weight, this.bias); }
  forward(x: Tensor): Tensor { return ops.linear(x, this.weight, this.bias); }
  override extraRepr(): string { return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias !== null ? "True" : "False"}`; }
}

/** The keyword arguments of `nn.Conv2d` after the kernel size. */
export interface Conv2dOptions {
  /** Stride of the convolution (default 1). */
  stride?: Pair;
  /** Zero padding added to all four sides (default 0), or "same" / "valid". */
  padding?: Padding;
  /** Spacing between kernel elements (default 1). */
  dilation?: Pair;
  /** Number of blocked connections from input channels to output channels (default 1). */
  groups?: number;
  /** Adds a learnable bias to the output (default true). */
  bias?: boolean;
}

/**
 * Applies a 2-D convolution over an input of shape (N, C_in, H, W) (or (C_in, H, W)), giving
 * (N, C_out, H_out, W_out) with H_out = ⌊(H + 2·padding − dilation·(kernel_size − 1) − 1) / stride⌋ + 1.
 * @param inChannels number of channels in the input image
 * @param outChannels number of channels produced by the convolution
 * @param kernelSize size of the convolving kernel (a number or [kH, kW])
 * @param opts stride (default 1), padding (default 0, or "same" / "valid"), dilation (default 1),
 *   groups (default 1), bias (default true)
 */
export class Conv2d extends Module {
  /** The learnable weights, shape (out_channels, in_channels / groups, kH, kW). */
  weight: Parameter;
  /** The learnable bias, shape (out_channels); null with `bias: false`. */
  bias: Parameter | null;
  /** [kH, kW], the size of the convolving kernel. */
  readonly kernelSize: [number, number];
  /** [sH, sW], the stride of the convolution. */
  readonly stride: [number, number];
  /** [pH, pW] zero padding on each side, or "same" / "valid". */
  readonly padding: Padding;
  /** [dH, dW], the spacing between kernel elements. */
  readonly dilation: [number, number];
  /** Number of blocked connections from input channels to output channels. */
  readonly groups: number;
  constructor(
    /** Number of channels in the input image. */
    readonly inChannels: number,
    /** Number of channels produced by the convolution. */
    readonly outChannels: number,
    kernelSize: Pair,
    opts: Conv2dOptions = {},
  ) {
    super();
    checkOptions(opts, ["stride", "padding", "dilation", "groups", "bias"], "Conv2d");
    this.groups = positiveInt(opts.groups ?? 1, "groups", "Conv2d");
    positiveInt(inChannels, "in_channels", "Conv2d");
    positiveInt(outChannels, "out_channels", "Conv2d");
    if (inChannels % this.groups || outChannels % this.groups) {
      throw new ValueError(`Conv2d: in_channels (${inChannels}) and out_channels (${outChannels}) must both be divisible by groups (${this.groups})`);
    }
    this.kernelSize = pair(kernelSize, "kernel_size");
    this.stride = pair(opts.stride ?? 1, "stride");
    this.dilation = pair(opts.dilation ?? 1, "dilation");
    this.padding = typeof opts.padding === "string" ? opts.padding : pair(opts.padding ?? 0, "padding");
    this.weight = new Parameter(creation.zeros(outChannels, inChannels / this.groups, ...this.kernelSize));
    this.bias = opts.bias ?? true ? new Parameter(creation.zeros(outChannels)) : null;
    this.resetParameters();
  }
  /** Re-initialises weight and bias as the constructor does (PyTorch's `reset_parameters`: kaiming-uniform with a = √5). */
  resetParameters(): void { resetLinearLike(this.weight, this.bias); }
  forward(x: Tensor): Tensor {
    return ops.conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
  }
  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${tuple(this.kernelSize)}, stride=${tuple(this.stride)}`;
    const p = this.padding;
    if (typeof p === "string") s += `, padding=${p}`;
    else if ((p as [number, number])[0] || (p as [number, number])[1]) s += `, padding=${tuple(p as [number, number])}`;
    if (this.dilation[0] !== 1 || this.dilation[1] !== 1) s += `, dilation=${tuple(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (!this.bias) s += ", bias=False";
    return s;
  }
}

/** The keyword arguments of `nn.MaxPool2d` and `nn.AvgPool2d` after the kernel size. */
export interface PoolOptions {
  /** The stride of the window (default: the kernel size). */
  stride?: Pair | null;
  /** Implicit padding on both sides (default 0; −∞ for max, 0 for average pooling). */
  padding?: Pair;
}

/**
 * Applies 2-D max pooling: the maximum of each kernel_size window, input (N, C, H, W) → (N, C, H_out, W_out).
 * @param kernelSize the size of the window (a number or [kH, kW])
 * @param opts stride (default: kernelSize), padding (default 0)
 */
export class MaxPool2d extends Module {
  constructor(
    /** The size of the window to take a max over. */
    readonly kernelSize: Pair,
    /** stride (default: kernelSize) and padding (default 0). */
    readonly opts: PoolOptions = {},
  ) { super(); }
  forward(x: Tensor): Tensor { return ops.maxPool2d(x, this.kernelSize, this.opts); }
  override extraRepr(): string {
    return `kernel_size=${this.kernelSize}, stride=${this.opts.stride ?? this.kernelSize}, padding=${this.opts.padding ?? 0}, dilation=1, ceil_mode=False`;
  }
}

/**
 * Applies 2-D average pooling: the mean of each kernel_size window, input (N, C, H, W) → (N, C, H_out, W_out).
 * @param kernelSize the size of the window (a number or [kH, kW])
 * @param opts stride (default: kernelSize), padding (default 0), countIncludePad (default true)
 */
export class AvgPool2d extends Module {
  constructor(
    /** The size of the window to average over. */
    readonly kernelSize: Pair,
    /** stride (default: kernelSize), padding (default 0), countIncludePad (default true). */
    readonly opts: PoolOptions & { countIncludePad?: boolean } = {},
  ) { super(); }
  forward(x: Tensor): Tensor { return ops.avgPool2d(x, this.kernelSize, this.opts); }
  override extraRepr(): string { return `kernel_size=${this.kernelSize}, stride=${this.opts.stride ?? this.kernelSize}, padding=${this.opts.padding ?? 0}`; }
}

/** Applies the rectified linear unit element-wise: ReLU(x) = max(0, x). Any shape in, the same shape out. */
export class ReLU extends Module { forward(x: Tensor): Tensor { return ops.relu(x); } }
/**
 * Applies LeakyReLU(x) = max(0, x) + negative_slope · min(0, x) element-wise. Any shape in, the same shape out.
 * @param negativeSlope the slope for negative inputs (default 0.01)
 */
export class LeakyReLU extends Module {
  constructor(
    /** The slope for negative inputs. */
    readonly negativeSlope = 0.01,
  ) { super(); }
  forward(x: Tensor): Tensor { return ops.leakyRelu(x, this.negativeSlope); }
  override extraRepr(): string { return `negative_slope=${pythonFloat(this.negativeSlope)}`; }
}
/** Applies Sigmoid(x) = 1 / (1 + exp(−x)) element-wise. Any shape in, the same shape out. */
export class Sigmoid extends Module { forward(x: Tensor): Tensor { return ops.sigmoid(x); } }
/** Applies the hyperbolic tangent element-wise. Any shape in, the same shape out. */
export class Tanh extends Module { forward(x: Tensor): Tensor { return ops.tanh(x); } }

/**
 * Applies Softmax(xᵢ) = exp(xᵢ) / Σⱼ exp(xⱼ) along `dim`: the values along it are in [0, 1] and sum to 1.
 * @param dim the dimension along which Softmax is computed
 */
export class Softmax extends Module {
  constructor(
    /** The dimension along which it is computed. */
    readonly dim: number,
  ) { super(); }
  forward(x: Tensor): Tensor { return ops.softmax(x, this.dim); }
  override extraRepr(): string { return `dim=${this.dim}`; }
}
/**
 * Applies log(Softmax(x)) along `dim`, computed stably.
 * @param dim the dimension along which LogSoftmax is computed
 */
export class LogSoftmax extends Module {
  constructor(
    /** The dimension along which it is computed. */
    readonly dim: number,
  ) { super(); }
  forward(x: Tensor): Tensor { return ops.logSoftmax(x, this.dim); }
  override extraRepr(): string { return `dim=${this.dim}`; }
}

/**
 * Flattens the dims from startDim to endDim into one: (N, C, H, W) → (N, C·H·W) by default.
 * @param startDim first dim to flatten (default 1)
 * @param endDim last dim to flatten (default −1)
 */
export class Flatten extends Module {
  constructor(
    /** First dim to flatten. */
    readonly startDim = 1,
    /** Last dim to flatten. */
    readonly endDim = -1,
  ) { super(); }
  forward(x: Tensor): Tensor { return ops.flatten(x, this.startDim, this.endDim); }
  override extraRepr(): string { return `start_dim=${this.startDim}, end_dim=${this.endDim}`; }
}

/**
 * During training, zeroes each element with probability p and scales the others by 1 / (1 − p);
 * in eval mode it returns the input. Any shape in, the same shape out.
 * @param p probability of an element to be zeroed (default 0.5)
 */
export class Dropout extends Module {
  constructor(
    /** Probability of an element to be zeroed. */
    readonly p = 0.5,
  ) {
    super();
    if (!(p >= 0 && p <= 1)) throw new ValueError(`dropout probability has to be between 0 and 1, but got ${p}`);
  }
  forward(x: Tensor): Tensor { return ops.dropout(x, { p: this.p, training: this.training }); }
  override extraRepr(): string { return `p=${pythonFloat(this.p)}, inplace=False`; }
}

/**
 * Applies Batch Normalization over a 4-D input (N, C, H, W): y = (x − E[x]) / √(Var[x] + eps) · γ + β,
 * with batch statistics in training (updating running_mean / running_var by `momentum`) and the running ones in eval.
 * @param numFeatures C, the number of channels
 * @param opts eps (default 1e-5), momentum (default 0.1), affine: learn γ and β (default true)
 */
export class BatchNorm2d extends Module {
  /** γ, the learnable scale, shape (C), initialised to 1; null with `affine: false`. */
  weight: Parameter | null;
  /** β, the learnable shift, shape (C), initialised to 0; null with `affine: false`. */
  bias: Parameter | null;
  /** Buffers, in the state dict as PyTorch names them: running_mean, running_var, num_batches_tracked. */
  runningMean!: Tensor;
  /** The running estimate of each channel's variance (`running_var`), initialised to 1. */
  runningVar!: Tensor;
  /** How many training batches updated the running statistics (`num_batches_tracked`). */
  numBatchesTracked!: Tensor;
  constructor(
    /** C, the number of channels of the (N, C, H, W) input. */
    readonly numFeatures: number,
    /** eps (default 1e-5), momentum (default 0.1), affine (default true). */
    readonly opts: { eps?: number; momentum?: number; affine?: boolean } = {},
  ) {
    super();
    positiveInt(numFeatures, "num_features", "BatchNorm2d");
    const affine = opts.affine ?? true;
    this.weight = affine ? new Parameter(ones_(creation.zeros(numFeatures))) : null;
    this.bias = affine ? new Parameter(zeros_(creation.zeros(numFeatures))) : null;
    this.registerBuffer("running_mean", creation.zeros(numFeatures));
    this.registerBuffer("running_var", creation.ones(numFeatures));
    this.registerBuffer("num_batches_tracked", creation.tensor(0));
  }
  forward(x: Tensor): Tensor {
    if (x.dim() !== 4) throw new ValueError(`BatchNorm2d: expected 4D input (got ${x.dim()}D input)`);
    if (this.training) this.numBatchesTracked.data.add_(1); // in place, as PyTorch's: state dicts share it
    return ops.batchNorm(x, { runningMean: this.runningMean, runningVar: this.runningVar, weight: this.weight, bias: this.bias,
      training: this.training, momentum: this.opts.momentum ?? 0.1, eps: this.opts.eps ?? 1e-5 });
  }
  override extraRepr(): string {
    return `${this.numFeatures}, eps=${pythonFloat(this.opts.eps ?? 1e-5)}, momentum=${pythonFloat(this.opts.momentum ?? 0.1)}, affine=${this.weight ? "True" : "False"}, track_running_stats=True`;
  }
}

/**
 * A sequential container: `forward` passes the input through each module in order. `seq[i]` is the i-th module.
 * @param layers the modules, in the order they are applied
 */
export class Sequential extends Module {
  /** `seq[0]`, `seq[-1]`: the layer at that position (as `seq.at(i)`; out of range is an IndexError). */
  readonly [index: number]: Module;
  /** The modules, in the order they are applied. */
  readonly layers: Module[];
  constructor(...layers: Module[]) {
    super();
    this.layers = layers;
  }
  forward(x: Tensor): Tensor {
    for (const layer of this.layers) x = layer(x);
    return x;
  }
  override *namedChildren(): Generator<[string, Module]> {
    for (let i = 0; i < this.layers.length; i++) yield [String(i), this.layers[i]];
  }
  /** The layer at position `i` (negative counts from the end), as `seq[i]`. */
  at(i: number): Module {
    const n = this.layers.length;
    if (!Number.isInteger(i) || i < -n || i >= n) throw new IndexError(`index ${i} is out of range for a Sequential of ${n} layers`);
    return this.layers[i < 0 ? i + n : i];
  }
}
indexable(Sequential, (seq, i) => seq.at(i), "build a new nn.Sequential with the layers you want");

// ---- losses: each holds its reduction; forward is one call into the loss function -------------
abstract class Loss extends Module {
  constructor(
    /** `reduction`: "mean" (the default), "sum" or "none". */
    readonly opts: ops.LossOptions = {},
  ) { super(); }
  protected abstract loss(input: Tensor, target: Tensor, opts: ops.LossOptions): Tensor;
  forward(input: Tensor, target: Tensor): Tensor { return this.loss(input, target, this.opts); }
}

/**
 * The cross entropy between logits (N, C) and class indices (N) (int64, 0 ≤ target < C):
 * log_softmax then negative log likelihood. Reduction "mean" (default), "sum" or "none".
 */
export class CrossEntropyLoss extends Loss { protected loss = ops.crossEntropy; }
/** The negative log likelihood of log-probabilities (N, C) at class indices (N). Reduction "mean" (default), "sum" or "none". */
export class NLLLoss extends Loss { protected loss = ops.nllLoss; }
/** The mean squared error between input and target of the same shape. Reduction "mean" (default), "sum" or "none". */
export class MSELoss extends Loss { protected loss = ops.mseLoss; }
/** Binary cross entropy on logits (a sigmoid and BCELoss in one, stably), input and target of the same shape. Reduction "mean" (default), "sum" or "none". */
export class BCEWithLogitsLoss extends Loss { protected loss = ops.binaryCrossEntropyWithLogits; }
