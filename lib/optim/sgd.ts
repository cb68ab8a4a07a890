import * as tf from "@tensorflow/tfjs-core";
import type * as tft from "../backend/tf-types";
import { SGD_STEP, type SGDStepAttrs } from "../backend/fused";
import { checkOptions, ValueError } from "../errors";
import { checkNonNegative, definedOnly, Optimizer, type Params } from "./optimizer";

/** The options of `optim.SGD`. */
export interface SGDOptions {
  /** The learning rate (required). */
  lr: number;
  /** The momentum factor (default 0). */
  momentum?: number;
  /** Dampening for momentum (default 0). */
  dampening?: number;
  /** Enables Nesterov momentum (default false). */
  nesterov?: boolean;
  /** Weight decay, an L2 penalty (default 0). */
  weightDecay?: number;
}
type H = Required<SGDOptions>;

/** torch.optim.SGD: g += wd·p; buf = μ·buf + (1−τ)·g (buf = g at the first step); g = nesterov ? g + μ·buf : buf; p −= lr·g. */
export class SGD extends Optimizer<H> {
  constructor(params: Params<H>, opts: SGDOptions) {
    checkOptions(opts, ["lr", "momentum", "dampening", "nesterov", "weightDecay"], "SGD");
    if (opts?.lr === undefined) throw new ValueError("SGD: required optimization parameter lr is missing; pass { lr: 0.01 }");
    super(params, { momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, ...definedOnly(opts) } as H, (hp) => {
      checkNonNegative(hp.lr, "learning rate");
      checkNonNegative(hp.momentum, "momentum value");
      checkNonNegative(hp.weightDecay, "weight_decay value");
      if (hp.nesterov && (hp.momentum <= 0 || hp.dampening !== 0)) throw new ValueError("Nesterov momentum requires a momentum and zero dampening");
    });
  }

  protected update(p: tft.Tensor, grad: tft.Tensor, state: Record<string, tft.Tensor | number>, hp: H): tft.Tensor {
    const prev = state.momentumBuffer as tft.Tensor | undefined;
    if (tf.getKernel(SGD_STEP, tf.getBackend()) !== undefined) {
      // The backend's one-pass kernel: the same arithmetic in the same order.
      const attrs: SGDStepAttrs = { lr: hp.lr, momentum: hp.momentum, dampening: hp.dampening, nesterov: hp.nesterov, weightDecay: hp.weightDecay };
      const [next, buf] = tf.engine().runKernel(SGD_STEP, prev ? { p, grad, buf: prev } : { p, grad }, attrs) as tft.Tensor[];
      if (buf) Optimizer.put(state, "momentumBuffer", buf);
      return next;
    }
    let g = hp.weightDecay ? tf.add(grad, tf.mul(p, hp.weightDecay)) : grad;
    if (hp.momentum) {
      const buf = prev ? tf.add(tf.mul(prev, hp.momentum), hp.dampening ? tf.mul(g, 1 - hp.dampening) : g) : tf.clone(g);
      Optimizer.put(state, "momentumBuffer", buf);
      g = hp.nesterov ? tf.add(g, tf.mul(buf, hp.momentum)) : buf;
    }
    return tf.sub(p, tf.mul(g, hp.lr));
  }
}
