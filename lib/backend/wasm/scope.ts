import { getKernel, type NamedAttrMap, type TensorInfo } from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

/** Spatial padding [top, bottom, left, right]; negative entries mean cropping. */
export type Pads4 = [number, number, number, number];

/**
 * Runs wasm kernels directly from inside another kernel (no engine dispatch, no gradient tape) and
 * frees every intermediate it made when `release()` runs, except the one handed out by `keep()`.
 */
export class KernelScope {
  private readonly owned: TensorInfo[] = [];

  constructor(readonly backend: BackendWasm) {}

  run(kernelName: string, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap = {}): TensorInfo {
    const config = getKernel(kernelName, "wasm");
    if (config === undefined) throw new Error(`kernel '${kernelName}' is not registered for the wasm backend`);
    const out = config.kernelFunc({ inputs, attrs, backend: this.backend }) as TensorInfo;
    this.owned.push(out);
    return out;
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run("Reshape", { x }, { shape });
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run("Transpose", { x }, { perm });
  }

  /** x (N, H, W, C) -> (N, (H-1)*sh+sh, (W-1)*sw+sw, C) with sh-1 / sw-1 zeros after every row / column. */
  zeroInsert(x: TensorInfo, sh: number, sw: number): TensorInfo {
    if (sh === 1 && sw === 1) return x;
    const [n, h, w, c] = x.shape;
    const split = this.reshape(x, [n, h, 1, w, 1, c]);
    const paddings = [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]];
    const padded = this.run("PadV2", { x: split }, { paddings, constantValue: 0 });
    return this.reshape(padded, [n, h * sh, w * sw, c]);
  }

  /**
   * Applies the negative part of `pads` to x (N, H, W, C) as a crop and returns the rest as the
   * explicit padding a Conv2D / DepthwiseConv2dNative kernel takes.
   */
  cropForPads(x: TensorInfo, pads: Pads4): { x: TensorInfo; pad: [[number, number], [number, number], [number, number], [number, number]] } {
    const [top, bottom, left, right] = pads;
    const crop = pads.map((p) => Math.max(0, -p));
    let cropped = x;
    if (crop.some((c) => c > 0)) {
      const [n, h, w, c] = x.shape;
      const size = [n, h - crop[0] - crop[1], w - crop[2] - crop[3], c];
      cropped = this.run("Slice", { x }, { begin: [0, crop[0], crop[2], 0], size });
    }
    const pos = (p: number): number => Math.max(0, p);
    return { x: cropped, pad: [[0, 0], [pos(top), pos(bottom)], [pos(left), pos(right)], [0, 0]] };
  }

  /** Frees `t` (made outside `run`, e.g. by makeOutput) when `release()` runs. */
  own(t: TensorInfo): TensorInfo {
    this.owned.push(t);
    return t;
  }

  /** Marks `out` as the kernel's result: `release()` leaves it alone. */
  keep(out: TensorInfo): TensorInfo {
    const i = this.owned.lastIndexOf(out);
    if (i >= 0) this.owned.splice(i, 1);
    return out;
  }

  release(): void {
    for (const t of this.owned) this.backend.disposeData(t.dataId);
    this.owned.length = 0;
  }
}

/** Runs `body` in a fresh scope and frees its intermediates, also when it throws. */
export function withScope(backend: BackendWasm, body: (s: KernelScope) => TensorInfo): TensorInfo {
  const scope = new KernelScope(backend);
  try {
    return scope.keep(body(scope));
  } finally {
    scope.release();
  }
}
