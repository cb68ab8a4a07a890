import { DepthwiseConv2dNativeBackpropInput, type KernelConfig, type KernelFunc, type TensorInfo } from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { convGeometry, inputGradPads, type ConvGradAttrs } from "./conv-geometry";
import { withScope } from "./scope";

/**
 * dx[n, ih, iw, c] = sum_m (dy[..., c*M + m] conv flipped W[..., c, m]): a depthwise conv of the
 * zero-inserted dy over C*M channels with multiplier 1, then a sum over m when M > 1.
 */
function depthwiseBackpropInput(args: { inputs: { dy: TensorInfo; filter: TensorInfo }; backend: BackendWasm; attrs: ConvGradAttrs & { inputShape: number[] } }): TensorInfo {
  const { inputs: { dy, filter }, backend, attrs } = args;
  const info = convGeometry(DepthwiseConv2dNativeBackpropInput, attrs.inputShape, filter.shape, attrs, true);
  const [kh, kw, c, m] = filter.shape;
  return withScope(backend, (s) => {
    const flipped = s.reshape(s.run("Reverse", { x: filter }, { dims: [0, 1] }), [kh, kw, c * m, 1]);
    const spread = s.zeroInsert(dy, info.strideHeight, info.strideWidth);
    const { x: dyIn, pad } = s.cropForPads(spread, inputGradPads(info));
    const dx = s.run("DepthwiseConv2dNative", { x: dyIn, filter: flipped }, {
      strides: [1, 1],
      dilations: [info.dilationHeight, info.dilationWidth],
      pad,
    }); // (N, H, W, C*M)
    if (m === 1) return dx;
    const [n, h, w] = attrs.inputShape;
    return s.run("Sum", { x: s.reshape(dx, [n, h, w, c, m]) }, { axis: [4], keepDims: false });
  });
}

export const depthwiseBackpropInputConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropInput,
  backendName: "wasm",
  kernelFunc: depthwiseBackpropInput as unknown as KernelFunc,
};
