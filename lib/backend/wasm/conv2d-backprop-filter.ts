import { backend_util, Conv2DBackpropFilter, type KernelConfig, type KernelFunc, type TensorInfo } from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { convGeometry, filterGradPads, type ConvGradAttrs } from "./conv-geometry";
import { depthwiseBackpropFilter } from "./depthwise-backprop-filter";
import { withScope } from "./scope";
import { convFilterGrad, tiledConvFits } from "./tiled";

type Args = { inputs: { x: TensorInfo; dy: TensorInfo }; backend: BackendWasm; attrs: ConvGradAttrs & { filterShape: number[] } };

/**
 * dW[kh, kw, ci, co] = sum_{n, oh, ow} x[n, oh*sh + kh*dh - top, ow*sw + kw*dw - left, ci] * dy[n, oh, ow, co]
 * computed as one forward conv: batch = ci, channels = n, x as (Cin, H, W, N) correlated with dy as
 * (OH, OW, N, Cout) at stride = forward dilation and dilation = forward stride -> (Cin, KH, KW, Cout).
 */
export function filterGradByConv({ inputs: { x, dy }, backend }: Args, info: backend_util.Conv2DInfo): TensorInfo {
  return withScope(backend, (s) => {
    const xT = s.transpose(x, [3, 1, 2, 0]); // (Cin, H, W, N)
    const dyT = s.transpose(dy, [1, 2, 0, 3]); // (OH, OW, N, Cout)
    const { x: xIn, pad } = s.cropForPads(xT, filterGradPads(info));
    const dW = s.run("Conv2D", { x: xIn, filter: dyT }, {
      strides: [info.dilationHeight, info.dilationWidth],
      dilations: [info.strideHeight, info.strideWidth],
      pad,
      dataFormat: "NHWC",
    }); // (Cin, KH, KW, Cout)
    return s.transpose(dW, [1, 2, 0, 3]);
  });
}

/** nnlab's tiled kernel when it fits (no dilation, >= 4 output channels), else one of the conv formulations. */
function conv2dBackpropFilter(args: Args): TensorInfo {
  const { inputs: { x, dy }, backend } = args;
  const info = convGeometry(Conv2DBackpropFilter, x.shape, args.attrs.filterShape, args.attrs, false);
  if (tiledConvFits(info, info.outChannels) && x.dtype === "float32") return convFilterGrad(backend, x, dy, info);
  // With one input channel the conv above has only KH*KW output pixels and XNNPACK uses it badly;
  // the filter is then a depthwise one with multiplier Cout, whose gradient kernel is ~20% faster.
  if (info.inChannels === 1) return depthwiseBackpropFilter(args);
  return filterGradByConv(args, info);
}

export const conv2dBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: "wasm",
  kernelFunc: conv2dBackpropFilter as unknown as KernelFunc,
};
