/**
 * Kernels that do in one call what the library would otherwise do with several tfjs ops; a backend
 * registers them where it has them (wasm/register.ts), and the library uses them where registered.
 */

/** One torch.optim.SGD step of a parameter: inputs p, grad (and buf after the first step); outputs p' (and buf' with momentum). */
export const SGD_STEP = "NnlabSGDStep";

export interface SGDStepAttrs {
  lr: number;
  momentum: number;
  dampening: number;
  nesterov: boolean;
  weightDecay: number;
  [key: string]: number | boolean;
}

/**
 * Cross entropy of logits (N, C) float32 and class targets (N) int32: inputs logits, target; attrs
 * reduction; outputs the loss (a scalar, or (N) for 'none') and its gradient for an upstream
 * gradient of 1 (softmax - one-hot, divided by N for 'mean').
 */
export const CROSS_ENTROPY = "NnlabCrossEntropy";

export interface CrossEntropyAttrs {
  reduction: "mean" | "sum" | "none";
  [key: string]: string;
}
