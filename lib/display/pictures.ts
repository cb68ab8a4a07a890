/**
 * Tensors as PNG pictures: one image, a batch as a captioned grid (MNIST digits with labels and
 * predictions), conv weights as a grid of small heatmaps, and a layer's feature maps.
 * Pixels are upscaled nearest-neighbour, so a 5×5 kernel shows 25 sharp squares.
 */
import { DisplayError } from "./errors";
import { channelsFirst, defaultRange, encodePng, extent, pixelsOf, scaleFor, toPixels, upscale, type Colormap, type ImageOptions, type Pixels } from "./pixels";
import { svgToPng } from "./raster";
import { base64, escapeHtml, png, type MimeObject } from "./rich";
import { toDense, toLabels, type Dense, type Matrix, type TensorLike } from "./tensorLike";

export interface ScaleOptions {
  /** Whole upscaling factor; default: the smallest that makes the longer side at least `minSize` pixels. */
  scale?: number;
}

export interface ImageDisplayOptions extends ImageOptions, ScaleOptions {}

/** One image: [H, W], [C, H, W] or [1, C, H, W] (C = 1, 3, 4) or a 2-D array. */
export function image(value: TensorLike | Matrix, options: ImageDisplayOptions = {}): MimeObject {
  const pixels = toPixels(value, options);
  const factor = options.scale ?? scaleFor(pixels.width, pixels.height, 140);
  return png(encodePng(upscale(pixels, factor)), `Image ${pixels.width}×${pixels.height}, shown ${factor}× (nearest neighbour)`);
}

interface Tile {
  readonly pixels: Pixels;
  readonly caption?: readonly { text: string; color?: string }[];
}

interface Layout {
  readonly cols: number;
  readonly title?: string;
  readonly rowLabels?: readonly string[];
  readonly colLabels?: readonly string[];
}

const GAP = 6, LINE = 15, FONT = 12;

/** Lays tiles out in a grid with captions and labels as SVG, and rasterises it with resvg. */
function gridPng(tiles: readonly Tile[], layout: Layout): Buffer {
  const w = Math.max(...tiles.map((t) => t.pixels.width)), h = Math.max(...tiles.map((t) => t.pixels.height));
  const lines = Math.max(0, ...tiles.map((t) => t.caption?.length ?? 0));
  const rows = Math.ceil(tiles.length / layout.cols);
  const left = GAP + (layout.rowLabels ? 48 : 0);
  const top = GAP + (layout.title ? 22 : 0) + (layout.colLabels ? LINE + 2 : 0);
  const cellW = Math.max(w, lines ? 56 : 0) + GAP, cellH = h + lines * LINE + GAP;
  // A title wider than the tiles widens the picture (about 8 px a character at 15 px bold) rather than being cut.
  const width = Math.max(left + layout.cols * cellW, (layout.title?.length ?? 0) * 8 + 2 * GAP), height = top + rows * cellH;
  const text = (x: number, y: number, s: string, extra = "") =>
    `<text x="${x}" y="${y}" ${extra}>${escapeHtml(s)}</text>`;
  const parts: string[] = [];
  if (layout.title) parts.push(text(width / 2, GAP + 14, layout.title, 'font-size="15" font-weight="bold" text-anchor="middle"'));
  layout.colLabels?.forEach((label, c) => parts.push(text(left + c * cellW + w / 2, top - 5, label, 'text-anchor="middle" fill="#555"')));
  layout.rowLabels?.forEach((label, r) => parts.push(text(left - 6, top + r * cellH + h / 2 + 4, label, 'text-anchor="end" fill="#555"')));
  tiles.forEach((tile, i) => {
    const x = left + (i % layout.cols) * cellW, y = top + Math.floor(i / layout.cols) * cellH;
    const href = `data:image/png;base64,${base64(encodePng(tile.pixels))}`;
    parts.push(`<image x="${x}" y="${y}" width="${tile.pixels.width}" height="${tile.pixels.height}" image-rendering="optimizeSpeed" xlink:href="${href}"/>`);
    tile.caption?.forEach((line, k) => parts.push(text(x + w / 2, y + h + LINE * (k + 1) - 2, line.text,
      `text-anchor="middle" fill="${line.color ?? "#222"}"`)));
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" ` +
    `width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="${FONT}">${parts.join("")}</svg>`;
  return svgToPng(svg);
}

/** Splits dense [N, ...rest] values into N pictures of shape `rest`. */
function split({ data, shape }: Dense): ArrayLike<number>[] {
  const size = shape.slice(1).reduce((a, b) => a * b, 1);
  const flat = ArrayBuffer.isView(data) ? (data as unknown as Float32Array) : Float64Array.from(data);
  return Array.from({ length: shape[0] ?? 0 }, (_, n) => flat.subarray(n * size, (n + 1) * size));
}

export interface ImageGridOptions extends ImageOptions, ScaleOptions {
  /** True class of each image (numbers, strings or a tensor of class indices). */
  labels?: ArrayLike<number | string> | TensorLike;
  /** Predicted class of each image; shown red where it differs from the label. */
  predictions?: ArrayLike<number | string> | TensorLike;
  /** Names of the classes, indexed by label. */
  classes?: readonly string[];
  cols?: number;
  title?: string;
}

/** A batch [N, C, H, W] or [N, H, W] as a grid, one shared value range, optional labels and predictions. */
export function imageGrid(batch: TensorLike, options: ImageGridOptions = {}): MimeObject {
  const dense = toDense(batch);
  const n = dense.shape[0] ?? 0;
  if (dense.shape.length < 3 || n === 0) {
    throw new DisplayError(`imageGrid needs a batch shaped [N, C, H, W] or [N, H, W] with N >= 1, got [${dense.shape.join(", ")}]`);
  }
  const shape = channelsFirst(dense.shape.length === 3 ? [1, ...dense.shape.slice(1)] : dense.shape.slice(1), "each image of the batch");
  const labels = options.labels === undefined ? undefined : toLabels(options.labels, "labels");
  const predictions = options.predictions === undefined ? undefined : toLabels(options.predictions, "predictions");
  for (const [name, list] of [["labels", labels], ["predictions", predictions]] as const) {
    if (list && list.length !== n) throw new DisplayError(`${name} has ${list.length} entries but the batch has ${n} images`);
  }
  const name = (c: number | string) => (typeof c === "number" && options.classes?.[c]) || String(c);
  const range = options.range ?? defaultRange(dense.data, shape[0]);
  const factor = options.scale ?? scaleFor(shape[2], shape[1], 84);
  let wrong = 0;
  const tiles = split(dense).map((data, i): Tile => {
    const caption: { text: string; color?: string }[] = [];
    if (labels) caption.push({ text: `label ${name(labels[i]!)}` });
    if (predictions) {
      const ok = !labels || String(labels[i]) === String(predictions[i]);
      if (!ok) wrong++;
      caption.push({ text: `pred ${name(predictions[i]!)}`, color: ok ? "#2e7d32" : "#c62828" });
    }
    return { pixels: upscale(pixelsOf(data, shape, { ...options, range }), factor), caption };
  });
  const text = `Image grid: ${n} images ${shape[1]}×${shape[2]}` + (labels && predictions ? `, ${n - wrong}/${n} predicted correctly` : "");
  return png(gridPng(tiles, { cols: options.cols ?? Math.ceil(Math.sqrt(n)), title: options.title }), text);
}

export interface KernelGridOptions extends ScaleOptions {
  /** Values at the ends of the blue-white-red scale; default ±(largest |weight|), so 0 is white. */
  range?: readonly [number, number];
  title?: string;
}

/** Conv weights [out, in, kH, kW] as small heatmaps: one row per output channel, one column per input channel. */
export function kernelGrid(weight: TensorLike, options: KernelGridOptions = {}): MimeObject {
  const dense = toDense(weight);
  if (dense.shape.length !== 4) {
    throw new DisplayError(`kernelGrid needs conv weights shaped [out, in, kH, kW], got [${dense.shape.join(", ")}]; pass conv.weight`);
  }
  const [out, inC, kh, kw] = dense.shape as [number, number, number, number];
  const [lo, hi] = extent(dense.data);
  const range = options.range ?? [-Math.max(Math.abs(lo), Math.abs(hi)), Math.max(Math.abs(lo), Math.abs(hi))] as const;
  const factor = options.scale ?? scaleFor(kw, kh, 40);
  const tiles = split({ data: dense.data, shape: [out * inC, kh, kw] }).map((data, i): Tile => ({
    pixels: upscale(pixelsOf(data, [1, kh, kw], { range, colormap: "diverging" }), factor),
    caption: inC === 1 ? [{ text: `#${i}` }] : undefined,
  }));
  // One input channel (the first conv layer): wrap the filters; otherwise rows = out, columns = in.
  const layout: Layout = inC === 1 ? { cols: Math.min(out, 10), title: options.title }
    : { cols: inC, title: options.title, rowLabels: Array.from({ length: out }, (_, o) => `out ${o}`),
      colLabels: Array.from({ length: inC }, (_, c) => `in ${c}`) };
  const text = `Conv kernels [${out}, ${inC}, ${kh}, ${kw}], shown ${factor}×, blue ${range[0].toPrecision(3)} … red ${range[1].toPrecision(3)}`;
  return png(gridPng(tiles, layout), text);
}

export interface FeatureMapOptions extends ScaleOptions {
  colormap?: Colormap;
  cols?: number;
  title?: string;
}

/** A layer's output for one input, [C, H, W] or [1, C, H, W]: one tile per channel, each on its own range. */
export function featureMaps(maps: TensorLike, options: FeatureMapOptions = {}): MimeObject {
  const dense = toDense(maps);
  const shape = dense.shape.length === 4 && dense.shape[0] === 1 ? dense.shape.slice(1) : dense.shape;
  if (shape.length !== 3) {
    throw new DisplayError(`featureMaps needs one input's activations shaped [C, H, W] or [1, C, H, W], got [${dense.shape.join(", ")}]; ` +
      "for a batch pass one item, e.g. out[0]");
  }
  const [c, h, w] = shape as [number, number, number];
  const factor = options.scale ?? scaleFor(w, h, 72);
  const tiles = split({ data: dense.data, shape }).map((data, k): Tile => ({
    pixels: upscale(pixelsOf(data, [1, h, w], { colormap: options.colormap ?? "viridis" }), factor),
    caption: [{ text: `ch ${k}` }],
  }));
  const layout = { cols: options.cols ?? Math.min(c, 10), title: options.title };
  return png(gridPng(tiles, layout), `Feature maps: ${c} channels ${h}×${w}, shown ${factor}×`);
}
