import { getKernel, registerKernel, unregisterKernel, type KernelConfig } from "@tensorflow/tfjs-core";
import { conv2dConfig, fusedConv2dConfig } from "./conv2d";
import { crossEntropyConfig } from "./cross-entropy";
import { conv2dBackpropFilterConfig } from "./conv2d-backprop-filter";
import { conv2dBackpropInputConfig } from "./conv2d-backprop-input";
import { depthwiseBackpropFilterConfig } from "./depthwise-backprop-filter";
import { depthwiseBackpropInputConfig } from "./depthwise-backprop-input";
import { batchMatMulConfig, fusedMatMulConfig } from "./mat-mul";
import { elementwiseConfigs } from "./elementwise";
import { maxPoolConfig, maxPoolGradConfig } from "./max-pool";
import { sgdStepConfig } from "./sgd-step";

/** Kernels nnlab adds to (or replaces in) the wasm backend. */
export const wasmKernels: readonly KernelConfig[] = [
  conv2dConfig,
  fusedConv2dConfig,
  conv2dBackpropFilterConfig,
  conv2dBackpropInputConfig,
  depthwiseBackpropFilterConfig,
  depthwiseBackpropInputConfig,
  maxPoolConfig,
  maxPoolGradConfig,
  batchMatMulConfig,
  fusedMatMulConfig,
  ...elementwiseConfigs,
  sgdStepConfig,
  crossEntropyConfig,
];

/** Idempotent: replaces whatever is registered under the same names (tfjs warns on double registration). */
export function registerWasmKernels(): void {
  for (const config of wasmKernels) {
    if (getKernel(config.kernelName, config.backendName) === config) continue;
    if (getKernel(config.kernelName, config.backendName) !== undefined) unregisterKernel(config.kernelName, config.backendName);
    registerKernel(config);
  }
}
