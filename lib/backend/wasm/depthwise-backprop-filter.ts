import { DepthwiseConv2dNativeBackpropFilter, type KernelConfig, type KernelFunc, type TensorInfo } from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { convGeometry, filterGradPads, type ConvGradAttrs } from "./conv-geometry";
import { withScope } from "./scope";

/**
 * dW[kh, kw, c, m] = sum_{n, oh, ow} x[n, ih, iw, c] * dy[n, oh, ow, c*M + m], as one depthwise conv
 * over N*C channels (x as (1, H, W, N*C), dy as filter (OH, OW, N*C, M)) followed by a sum over n.
 */
export function depthwiseBackpropFilter(args: { inputs: { x: TensorInfo; dy: TensorInfo }; backend: BackendWasm; attrs: ConvGradAttrs & { filterShape: number[] } }): TensorInfo {
  const { inputs: { x, dy }, backend, attrs } = args;
  const info = convGeometry(DepthwiseConv2dNativeBackpropFilter, x.shape, attrs.filterShape, attrs, true);
  const [n, h, w, c] = x.shape;
  const [kh, kw, , m] = attrs.filterShape;
  return withScope(backend, (s) => {
    const xT = s.reshape(s.transpose(x, [1, 2, 0, 3]), [1, h, w, n * c]);
    const dyT = s.reshape(s.transpose(dy, [1, 2, 0, 3]), [info.outHeight, info.outWidth, n * c, m]);
    const { x: xIn, pad } = s.cropForPads(xT, filterGradPads(info));
    const perSample = s.run("DepthwiseConv2dNative", { x: xIn, filter: dyT }, {
      strides: [info.dilationHeight, info.dilationWidth],
      dilations: [info.strideHeight, info.strideWidth],
      pad,
    }); // (1, KH, KW, N*C*M)
    const summed = s.run("Sum", { x: s.reshape(perSample, [kh, kw, n, c * m]) }, { axis: [2], keepDims: false });
    return s.reshape(summed, [kh, kw, c, m]);
  });
}

export const depthwiseBackpropFilterConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropFilter,
  backendName: "wasm",
  kernelFunc: depthwiseBackpropFilter as unknown as KernelFunc,
};
