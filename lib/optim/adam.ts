import * as tf from "@tensorflow/tfjs-core";
import type * as tft from "../backend/tf-types";
import { checkOptions, ValueError } from "../errors";
import { checkNonNegative, definedOnly, Optimizer, type Params } from "./optimizer";

/** The options of `optim.Adam`. */
export interface AdamOptions {
  /** The learning rate (default 1e-3). */
  lr?: number;
  /** Coefficients for the running averages of the gradient and its square (default [0.9, 0.999]). */
  betas?: [number, number];
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps?: number;
  /** Weight decay, an L2 penalty (default 0). */
  weightDecay?: number;
}
type H = Required<AdamOptions>;

/** torch.optim.Adam: m, v moments with bias correction; p −= lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε). */
export class Adam extends Optimizer<H> {
  constructor(params: Params<H>, opts: AdamOptions = {}) {
    checkOptions(opts, ["lr", "betas", "eps", "weightDecay"], "Adam");
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, ...definedOnly(opts) } as H, (hp) => {
      checkNonNegative(hp.lr, "learning rate");
      checkNonNegative(hp.eps, "epsilon value");
      checkNonNegative(hp.weightDecay, "weight_decay value");
      hp.betas.forEach((b, i) => { if (!(b >= 0 && b < 1)) throw new ValueError(`Invalid beta parameter at index ${i}: ${b}`); });
    });
  }

  protected update(p: tft.Tensor, grad: tft.Tensor, state: Record<string, tft.Tensor | number>, hp: H): tft.Tensor {
    const [b1, b2] = hp.betas;
    const step = ((state.step as number | undefined) ?? 0) + 1;
    state.step = step;
    const g = hp.weightDecay ? tf.add(grad, tf.mul(p, hp.weightDecay)) : grad;
    const m0 = (state.expAvg as tft.Tensor | undefined) ?? tf.zerosLike(p);
    const v0 = (state.expAvgSq as tft.Tensor | undefined) ?? tf.zerosLike(p);
    const m = Optimizer.put(state, "expAvg", tf.add(tf.mul(m0, b1), tf.mul(g, 1 - b1)));
    const v = Optimizer.put(state, "expAvgSq", tf.add(tf.mul(v0, b2), tf.mul(tf.square(g), 1 - b2)));
    const stepSize = hp.lr / (1 - b1 ** step);
    const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(1 - b2 ** step)), hp.eps);
    return tf.sub(p, tf.mul(tf.div(m, denom), stepSize));
  }
}
