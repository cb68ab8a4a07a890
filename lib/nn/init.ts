/** `nn.init`: PyTorch's initialisers, drawing from the library's seeded generator. */
import * as tf from "@tensorflow/tfjs-core";
import { ValueError } from "../errors";
import { fillNormal, fillUniform } from "../tensor/random";
import type { Tensor } from "../tensor/tensor";
import { withGradMode } from "../tensor/autograd";
import { toPhys } from "../tensor/layout";

/** fan_in and fan_out of a weight [out, in, ...kernel]. */
export function calculateFanInAndFanOut(t: Tensor): [number, number] {
  if (t.dim() < 2) throw new ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions");
  const receptive = [...t.shape].slice(2).reduce((a, d) => a * d, 1);
  return [t.shape[1] * receptive, t.shape[0] * receptive];
}

function fill(t: Tensor, values: Float32Array): Tensor {
  withGradMode(false, () => t._replace(tf.tidy(() => toPhys(tf.tensor(values, [...t.shape]), t._perm))));
  return t;
}

/** Fills `t` in place with values drawn from U(a, b) and returns it (`nn.init.uniform_`). */
export function uniform_(t: Tensor, a = 0, b = 1): Tensor {
  return fill(t, fillUniform(new Float32Array(t.numel()), a, b));
}

/** Fills `t` in place with values drawn from N(mean, std²) and returns it (`nn.init.normal_`). */
export function normal_(t: Tensor, mean = 0, std = 1): Tensor {
  return fill(t, fillNormal(new Float32Array(t.numel()), mean, std));
}

/** Fills `t` in place with `value` and returns it (`nn.init.constant_`). */
export function constant_(t: Tensor, value: number): Tensor {
  return fill(t, new Float32Array(t.numel()).fill(value));
}
/** Fills `t` in place with 0 and returns it (`nn.init.zeros_`). */
export const zeros_ = (t: Tensor) => constant_(t, 0);
/** Fills `t` in place with 1 and returns it (`nn.init.ones_`). */
export const ones_ = (t: Tensor) => constant_(t, 1);

/** The nonlinearities `calculateGain` knows, by PyTorch's names. */
export type Nonlinearity = "linear" | "conv2d" | "sigmoid" | "tanh" | "relu" | "leaky_relu";

/** The recommended gain for a nonlinearity (`nn.init.calculate_gain`): 1 for linear, conv and sigmoid, 5/3 for tanh, √2 for relu, √(2 / (1 + slope²)) for leaky_relu (`param` is the slope, default 0.01). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case "linear": case "conv2d": case "sigmoid": return 1;
    case "tanh": return 5 / 3;
    case "relu": return Math.SQRT2;
    case "leaky_relu": { const a = param ?? 0.01; return Math.sqrt(2 / (1 + a * a)); }
    default: throw new ValueError(`Unsupported nonlinearity ${nonlinearity}`);
  }
}

/** `a`: the negative slope of the rectifier after this layer (leaky_relu only, default 0); `mode`: preserve the variance in the forward ("fan_in", default) or backward pass ("fan_out"); `nonlinearity` (default "leaky_relu"). */
export interface KaimingOptions { a?: number; mode?: "fan_in" | "fan_out"; nonlinearity?: Nonlinearity; }

/** Fills `t` in place from U(−bound, bound), bound = gain · √(3 / fan_mode) (He et al. 2015), and returns it (`nn.init.kaiming_uniform_`). */
export function kaimingUniform_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const fan = (opts.mode ?? "fan_in") === "fan_in" ? fanIn : fanOut;
  const gain = calculateGain(opts.nonlinearity ?? "leaky_relu", opts.a ?? 0);
  const bound = Math.sqrt(3) * gain / Math.sqrt(fan);
  return uniform_(t, -bound, bound);
}

/** Fills `t` in place from U(−a, a), a = gain · √(6 / (fan_in + fan_out)) (Glorot & Bengio 2010), and returns it (`nn.init.xavier_uniform_`). */
export function xavierUniform_(t: Tensor, gain = 1): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const bound = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -bound, bound);
}

/** PyTorch's default for Linear and Conv: kaiming_uniform(a=√5) weights, U(±1/√fan_in) biases. */
export function resetLinearLike(weight: Tensor, bias: Tensor | null): void {
  kaimingUniform_(weight, { a: Math.sqrt(5) });
  if (bias) {
    const [fanIn] = calculateFanInAndFanOut(weight);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    uniform_(bias, -bound, bound);
  }
}
