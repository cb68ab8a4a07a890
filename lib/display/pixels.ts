/**
 * Tensors as pictures: value ranges, colour maps, nearest-neighbour upscaling and PNG encoding.
 * Layouts follow PyTorch: [H, W], [C, H, W] or [1, C, H, W], with C = 1 (grey), 3 (RGB) or 4 (RGBA).
 */
import { DisplayError } from "./errors";
import { isTensorLike, toDense, toRows, type Matrix, type TensorLike } from "./tensorLike";

/** RGBA bytes, rows top to bottom. */
export interface Pixels {
  readonly width: number;
  readonly height: number;
  readonly rgba: Uint8Array;
}

export type Colormap = "gray" | "viridis" | "diverging";

export interface ImageOptions {
  /** Values mapped to black and white (or to the colour map's ends). Default: one channel uses its
   * own [min, max] (like matplotlib's imshow); 3 or 4 channels use [0, 1], or [0, 255] when a value is above 1. */
  range?: readonly [number, number];
  /** Colour map for one-channel images (default "gray"). */
  colormap?: Colormap;
}

type RGB = readonly [number, number, number];
const hex = (h: string): RGB => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)) as unknown as RGB;
/** Evenly spaced stops: matplotlib's viridis, and ColorBrewer's RdBu reversed (negative blue, positive red). */
const STOPS: Record<Exclude<Colormap, "gray">, readonly RGB[]> = {
  viridis: ["#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962", "#addc30", "#fde725"].map(hex),
  diverging: ["#2166ac", "#67a9cf", "#d1e5f0", "#f7f7f7", "#fddbc7", "#ef8a62", "#b2182b"].map(hex),
};

/** Colour for t in [0, 1]. */
export function colorAt(colormap: Colormap, t: number): RGB {
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0));
  if (colormap === "gray") { const v = Math.round(u * 255); return [v, v, v]; }
  const stops = STOPS[colormap];
  const pos = u * (stops.length - 1), i = Math.min(stops.length - 2, Math.floor(pos)), f = pos - i;
  const [a, b] = [stops[i]!, stops[i + 1]!];
  return [0, 1, 2].map((k) => Math.round(a[k]! + (b[k]! - a[k]!) * f)) as unknown as RGB;
}

export function extent(data: ArrayLike<number>): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < data.length; i++) { const v = data[i]!; if (v < lo) lo = v; if (v > hi) hi = v; }
  return Number.isFinite(lo) ? [lo, hi] : [0, 1];
}

/** [C, H, W] from [H, W], [C, H, W] or [1, C, H, W]; names the accepted layouts otherwise. */
export function channelsFirst(shape: readonly number[], what: string): [number, number, number] {
  const s = shape.length === 4 && shape[0] === 1 ? shape.slice(1) : shape.length === 2 ? [1, ...shape] : shape;
  if (s.length !== 3 || ![1, 3, 4].includes(s[0]!)) {
    throw new DisplayError(`${what} must be shaped [H, W], [C, H, W] or [1, C, H, W] with C = 1, 3 or 4; ` +
      `got [${shape.join(", ")}]. For a batch use display.imageGrid; for a layer's output use display.featureMaps`);
  }
  return s as [number, number, number];
}

/** The range ImageOptions.range defaults to, for `data` with `channels` channels. */
export function defaultRange(data: ArrayLike<number>, channels: number): readonly [number, number] {
  return channels === 1 ? extent(data) : [0, extent(data)[1] > 1 ? 255 : 1];
}

/** Maps dense [C, H, W] values (C = 1, 3 or 4) to RGBA. */
export function pixelsOf(data: ArrayLike<number>, [c, h, w]: readonly [number, number, number], options: ImageOptions = {}): Pixels {
  const [lo, hi] = options.range ?? defaultRange(data, c);
  const span = hi - lo || 1;
  const rgba = new Uint8Array(w * h * 4);
  const plane = w * h;
  for (let p = 0; p < plane; p++) {
    const rgb = c === 1 ? colorAt(options.colormap ?? "gray", (data[p]! - lo) / span)
      : ([0, 1, 2].map((k) => Math.round(255 * Math.min(1, Math.max(0, (data[k * plane + p]! - lo) / span)))) as unknown as RGB);
    rgba.set(rgb, p * 4);
    rgba[p * 4 + 3] = c === 4 ? Math.round(255 * Math.min(1, Math.max(0, (data[3 * plane + p]! - lo) / span))) : 255;
  }
  return { width: w, height: h, rgba };
}

/** One picture from a tensor or nested arrays (a plain 2-D array is a one-channel image). */
export function toPixels(value: TensorLike | Matrix, options: ImageOptions = {}, what = "image"): Pixels {
  if (isTensorLike(value)) {
    const { shape, data } = toDense(value);
    return pixelsOf(data, channelsFirst(shape, what), options);
  }
  const rows = toRows(value, what);
  return pixelsOf(rows.flat(), [1, rows.length, rows[0]?.length ?? 0], options);
}

/** Nearest-neighbour upscaling by a whole factor, so single pixels stay sharp squares. */
export function upscale(pixels: Pixels, factor: number): Pixels {
  if (!Number.isInteger(factor) || factor < 1) throw new DisplayError(`scale must be a whole number >= 1, got ${factor}`);
  if (factor === 1) return pixels;
  const width = pixels.width * factor, height = pixels.height * factor;
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const srcRow = Math.floor(y / factor) * pixels.width;
    for (let x = 0; x < width; x++) {
      const src = (srcRow + Math.floor(x / factor)) * 4;
      rgba.set(pixels.rgba.subarray(src, src + 4), (y * width + x) * 4);
    }
  }
  return { width, height, rgba };
}

/** The whole factor that brings the longer side to at least `target` pixels. */
export function scaleFor(width: number, height: number, target: number): number {
  return Math.max(1, Math.ceil(target / Math.max(width, height, 1)));
}

/** PNG bytes of `pixels` (a Node Buffer, typed as Uint8Array: this file's declarations are public and need none of Node's). */
export function encodePng(pixels: Pixels): Uint8Array {
  // Loaded on first use (~20 ms), like everything that only drawing needs.
  const { PNG } = require("pngjs") as typeof import("pngjs");
  const png = new PNG({ width: pixels.width, height: pixels.height });
  png.data.set(pixels.rgba);
  return PNG.sync.write(png);
}
