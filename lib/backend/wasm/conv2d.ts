import { backend_util, Conv2D, FusedConv2D, getKernel, type KernelConfig, type KernelFunc, type NamedAttrMap, type TensorInfo } from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-wasm";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { convForward, tiledConvFits } from "./tiled";

type Args = { inputs: Record<string, TensorInfo | undefined>; backend: BackendWasm; attrs: NamedAttrMap };

// Taken while the registry still holds the shipped kernels (this module loads before any replacement).
const shippedConv2D = getKernel(Conv2D, "wasm");
const shippedFusedConv2D = getKernel(FusedConv2D, "wasm");

/**
 * The forward conv on nnlab's tiled kernel when it fits (NHWC, no dilation, >= 4 output channels,
 * a bias of one value per channel, no activation or ReLU); the shipped XNNPACK kernel otherwise.
 */
function conv2d(shipped: KernelConfig): KernelFunc {
  return ((args: Args): TensorInfo => {
    const { inputs: { x, filter, bias, preluActivationWeights }, backend, attrs } = args;
    const activation = (attrs["activation"] as string | undefined) ?? "linear";
    const info = backend_util.computeConv2DInfo(x!.shape as [number, number, number, number], filter!.shape as [number, number, number, number],
      attrs["strides"] as number, attrs["dilations"] as number, attrs["pad"] as "valid", attrs["dimRoundingMode"] as "floor",
      false, backend_util.convertConv2DDataFormat(attrs["dataFormat"] as "NHWC"));
    const fits = tiledConvFits(info, info.outChannels) && x!.dtype === "float32" && preluActivationWeights === undefined &&
      (activation === "linear" || activation === "relu") && (bias === undefined || (bias.shape.length === 1 && bias.shape[0] === info.outChannels));
    if (!fits) return shipped.kernelFunc(args as never) as TensorInfo;
    return convForward(backend, x!, filter!, bias ?? null, activation === "relu", info);
  }) as unknown as KernelFunc;
}

export const conv2dConfig: KernelConfig = { ...shippedConv2D, kernelFunc: conv2d(shippedConv2D) };
export const fusedConv2dConfig: KernelConfig = { ...shippedFusedConv2D, kernelFunc: conv2d(shippedFusedConv2D) };
