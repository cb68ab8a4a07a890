import { backend_util } from "@tensorflow/tfjs-core";
import type { Pads4 } from "./scope";

type Pair = [number, number] | number;
type Pad = "valid" | "same" | number | backend_util.ExplicitPadding;

/** The attributes shared by the conv gradient kernels; `dilations` is optional (tfjs leaves it out for Conv2D). */
export interface ConvGradAttrs {
  strides: Pair;
  pad: Pad;
  dilations?: Pair;
  dataFormat?: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
}

export class UnsupportedLayoutError extends Error {
  constructor(kernel: string, dataFormat: string) {
    super(`${kernel} on the wasm backend takes NHWC tensors only, got dataFormat '${dataFormat}': transpose to NHWC first`);
    this.name = "UnsupportedLayoutError";
  }
}

/** Geometry of a forward conv x (N, H, W, Cin) * filter (KH, KW, Cin, Cout) in NHWC. */
export function convGeometry(kernel: string, xShape: number[], filterShape: number[], attrs: ConvGradAttrs, depthwise: boolean): backend_util.Conv2DInfo {
  if (attrs.dataFormat === "NCHW") throw new UnsupportedLayoutError(kernel, attrs.dataFormat);
  return backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    depthwise,
    "channelsLast",
  );
}

/**
 * Padding of the filter-gradient correlation: x (padded) against dy spread out by the stride,
 * so that exactly KH x KW outputs come out. Rows used: (KH-1)*dh + (OH-1)*sh + 1.
 */
export function filterGradPads(info: backend_util.Conv2DInfo): Pads4 {
  const rows = (info.filterHeight - 1) * info.dilationHeight + (info.outHeight - 1) * info.strideHeight + 1;
  const cols = (info.filterWidth - 1) * info.dilationWidth + (info.outWidth - 1) * info.strideWidth + 1;
  const { top, left } = info.padInfo;
  return [top, rows - info.inHeight - top, left, cols - info.inWidth - left];
}

/**
 * Padding of the input-gradient conv: dy zero-inserted to (OH*sh, OW*sw) convolved (stride 1) with
 * the flipped filter so that exactly H x W outputs come out.
 */
export function inputGradPads(info: backend_util.Conv2DInfo): Pads4 {
  const { top, left } = info.padInfo;
  const effH = (info.filterHeight - 1) * info.dilationHeight;
  const effW = (info.filterWidth - 1) * info.dilationWidth;
  return [
    effH - top,
    info.inHeight + top - info.outHeight * info.strideHeight,
    effW - left,
    info.inWidth + left - info.outWidth * info.strideWidth,
  ];
}
