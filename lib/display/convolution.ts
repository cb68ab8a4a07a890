/**
 * The convolution slides as a picture: one tile per output position, each showing the input with
 * the current kernel window highlighted (the kernel's weights written small in its cells), and the
 * output so far with the cell that window produces. Numbers are drawn as text, so tiles are large
 * (36 px per cell) and readable in any notebook viewer.
 */
import { DisplayError } from "./errors";
import { svgToPng } from "./raster";
import { escapeHtml, png, type MimeObject } from "./rich";
import { toDense, type TensorLike } from "./tensorLike";

export interface ConvolutionOptions {
  /** Rings of zeros around the input, as nn.Conv2d's `padding` (drawn grey). Default 0. */
  padding?: number;
  /** Step of the window, as nn.Conv2d's `stride`. Default 1. */
  stride?: number;
  /** Tiles per row; default: the output's width (at most 3). */
  cols?: number;
  /** Draw only the first `steps` window positions (row by row); default all. */
  steps?: number;
  title?: string;
}

/** A [H, W], [1, H, W] or [1, 1, H, W] tensor as rows of numbers. */
function plane(value: TensorLike, what: string): number[][] {
  const { shape, data } = toDense(value);
  if (shape.length < 2 || shape.slice(0, -2).some((d) => d !== 1)) {
    throw new DisplayError(`convolution draws one channel: ${what} must be shaped [H, W], [1, H, W] or [1, 1, H, W], got [${shape.join(", ")}]`);
  }
  const [h, w] = shape.slice(-2) as [number, number];
  return Array.from({ length: h }, (_, r) => Array.from({ length: w }, (_, c) => Number(data[r * w + c])));
}

function pad(rows: number[][], p: number): number[][] {
  const w = (rows[0]?.length ?? 0) + 2 * p;
  const zeros = () => new Array<number>(w).fill(0);
  return [...Array.from({ length: p }, zeros), ...rows.map((r) => [...new Array<number>(p).fill(0), ...r, ...new Array<number>(p).fill(0)]), ...Array.from({ length: p }, zeros)];
}

export interface ConvolutionStep {
  /** Output position. */
  row: number;
  col: number;
  /** Top-left corner of the window in the padded input. */
  top: number;
  left: number;
  value: number;
}

/** Every window position of a single-channel convolution (cross-correlation, as F.conv2d), row by row. */
export function convolutionSteps(x: number[][], k: number[][], padding: number, stride: number): ConvolutionStep[] {
  const padded = pad(x, padding);
  const kh = k.length, kw = k[0]?.length ?? 0;
  const outH = Math.floor((padded.length - kh) / stride) + 1, outW = Math.floor(((padded[0]?.length ?? 0) - kw) / stride) + 1;
  const steps: ConvolutionStep[] = [];
  for (let row = 0; row < outH; row++) {
    for (let col = 0; col < outW; col++) {
      const top = row * stride, left = col * stride;
      let value = 0;
      for (let u = 0; u < kh; u++) for (let v = 0; v < kw; v++) value += padded[top + u]![left + v]! * k[u]![v]!;
      steps.push({ row, col, top, left, value });
    }
  }
  return steps;
}

const CELL = 36, GAP = 24, CAPTION = 22, FONT = 15;
const format = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(3));

/** A grid of numbers as SVG cells at (x, y); `fill(r, c)` colours a cell, `label` writes its text. */
function numberGrid(x: number, y: number, rows: number, cols: number, fill: (r: number, c: number) => string,
  label: (r: number, c: number) => string, color: (r: number, c: number) => string = () => "#222"): string {
  const parts: string[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const cx = x + c * CELL, cy = y + r * CELL;
      parts.push(`<rect x="${cx}" y="${cy}" width="${CELL}" height="${CELL}" fill="${fill(r, c)}" stroke="#999" stroke-width="1"/>`);
      parts.push(`<text x="${cx + CELL / 2}" y="${cy + CELL / 2 + 5}" text-anchor="middle" fill="${color(r, c)}">${escapeHtml(label(r, c))}</text>`);
    }
  }
  return parts.join("");
}

/**
 * The steps of `F.conv2d(input, kernel, { padding, stride })` for one channel as a PNG grid: in each
 * tile the input with the window (orange, kernel weights in blue) and the output with the new cell.
 */
export function convolution(input: TensorLike, kernel: TensorLike, options: ConvolutionOptions = {}): MimeObject {
  const padding = options.padding ?? 0, stride = options.stride ?? 1;
  if (!Number.isInteger(padding) || padding < 0) throw new DisplayError(`padding must be a whole number >= 0, got ${padding}`);
  if (!Number.isInteger(stride) || stride < 1) throw new DisplayError(`stride must be a whole number >= 1, got ${stride}`);
  const raw = plane(input, "input"), k = plane(kernel, "kernel");
  const x = pad(raw, padding);
  const kh = k.length, kw = k[0]!.length;
  if (kh > x.length || kw > x[0]!.length) {
    throw new DisplayError(`the ${kh}×${kw} kernel is larger than the ${x.length}×${x[0]!.length} (padded) input; use a smaller kernel or more padding`);
  }
  const all = convolutionSteps(raw, k, padding, stride);
  const outH = all[all.length - 1]!.row + 1, outW = all[all.length - 1]!.col + 1;
  const steps = all.slice(0, options.steps ?? all.length);
  const inW = x[0]!.length * CELL, inH = x.length * CELL;
  const tileW = inW + GAP * 2 + outW * CELL, tileH = Math.max(inH, outH * CELL) + CAPTION;
  const cols = options.cols ?? Math.min(outW, 3);
  const top = options.title ? 34 : 8;
  const width = 8 + cols * (tileW + GAP), height = top + Math.ceil(steps.length / cols) * (tileH + GAP);
  const parts: string[] = [];
  if (options.title) parts.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="18" font-weight="bold">${escapeHtml(options.title)}</text>`);
  const value = new Map(all.map((s) => [`${s.row},${s.col}`, s.value]));
  steps.forEach((step, i) => {
    const tx = 8 + (i % cols) * (tileW + GAP), ty = top + Math.floor(i / cols) * (tileH + GAP);
    const inWindow = (r: number, c: number) => r >= step.top && r < step.top + kh && c >= step.left && c < step.left + kw;
    const isPad = (r: number, c: number) => r < padding || c < padding || r >= x.length - padding || c >= x[0]!.length - padding;
    parts.push(numberGrid(tx, ty, x.length, x[0]!.length,
      (r, c) => (inWindow(r, c) ? "#ffd8a8" : isPad(r, c) ? "#eeeeee" : "#ffffff"),
      (r, c) => format(x[r]![c]!), (r, c) => (isPad(r, c) ? "#999" : "#222")));
    // The kernel weight that multiplies each windowed value, small in the cell's corner.
    for (let u = 0; u < kh; u++) {
      for (let v = 0; v < kw; v++) {
        parts.push(`<text x="${tx + (step.left + v) * CELL + CELL - 3}" y="${ty + (step.top + u) * CELL + 11}" text-anchor="end" font-size="10" fill="#1864ab">×${escapeHtml(format(k[u]![v]!))}</text>`);
      }
    }
    parts.push(`<rect x="${tx + step.left * CELL}" y="${ty + step.top * CELL}" width="${kw * CELL}" height="${kh * CELL}" fill="none" stroke="#e8590c" stroke-width="3"/>`);
    const ox = tx + inW + GAP * 2;
    parts.push(`<text x="${ox - GAP}" y="${ty + (outH * CELL) / 2 + 6}" text-anchor="middle" font-size="20">=</text>`);
    const done = (r: number, c: number) => r * outW + c <= i;
    parts.push(numberGrid(ox, ty, outH, outW,
      (r, c) => (r === step.row && c === step.col ? "#ffd8a8" : "#ffffff"),
      (r, c) => (done(r, c) ? format(value.get(`${r},${c}`)!) : ""),
      (r, c) => (r === step.row && c === step.col ? "#c92a2a" : "#222")));
    parts.push(`<rect x="${ox + step.col * CELL}" y="${ty + step.row * CELL}" width="${CELL}" height="${CELL}" fill="none" stroke="#e8590c" stroke-width="3"/>`);
    parts.push(`<text x="${tx}" y="${ty + tileH - 4}" fill="#444">output[${step.row}, ${step.col}] = ${escapeHtml(format(step.value))}</text>`);
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `font-family="sans-serif" font-size="${FONT}">${parts.join("")}</svg>`;
  const text = `Convolution steps: ${x.length - 2 * padding}×${x[0]!.length - 2 * padding} input` + (padding ? ` (padding ${padding})` : "") +
    `, ${kh}×${kw} kernel` + (stride > 1 ? `, stride ${stride}` : "") + `, ${outH}×${outW} output` +
    (steps.length < all.length ? ` (first ${steps.length} steps drawn)` : "") + ": " +
    Array.from({ length: outH }, (_, r) => all.slice(r * outW, (r + 1) * outW).map((s) => format(s.value)).join(" ")).join(" / ");
  return png(svgToPng(svg), text);
}
