/**
 * A live training curve: shown once, then each `push` appends a point and redraws the same output
 * in place (update_display_data), throttled so drawing takes at most `budget` of the wall time.
 */
import { inspect } from "node:util";
import { inspectCustom } from "../display/inspect";
import { DISPLAY, type DisplayMetadata, type Displayable, type MimeBundle } from "../display/protocol";
import { display, type DisplayHandle } from "../display/display";
import { DisplayError } from "../display/errors";
import { markDrawn, markPending, type Flushable } from "../display/pending";
import { line, type ChartOptions } from "./charts";
import type { Chart } from "./chart";

/**
 * Longest wait between redraws while points keep coming (ms). The budget alone would wait 50× the
 * last draw, ~25 s after a slow first render; live means a redraw at least every 2 s.
 */
const MAX_WAIT_MS = 1500;

/** Fields taken as x when `x` is not given, in this order. */
const X_FIELDS = ["step", "epoch", "iteration", "batch"] as const;

/** `plot.live` options: the x field, how much time drawing may take, and how many points to draw. */
export interface LiveOptions extends ChartOptions {
  /** The point field used as x; default: the first of step, epoch, iteration, batch in the first point, else the push count. */
  x?: string;
  /** Share of wall time spent drawing, between 0 and 1 (default 0.02: with the final redraw and draws that
   * grow with the history, a whole epoch stays under 3 %). */
  budget?: number;
  /** Points drawn per series; longer histories are averaged in equal chunks (default 1000). */
  maxPoints?: number;
}

/** What a live chart has done so far: points pushed, redraws, and the time they took. */
export interface LiveStats {
  /** Points pushed, all series together. */
  readonly points: number;
  /** Redraws sent. */
  readonly draws: number;
  /** Time spent building, rendering and sending redraws (ms). */
  readonly drawMs: number;
}

/** Averages consecutive chunks so at most `max` points remain (each point: mean x, mean y). */
export function downsample(xs: readonly number[], ys: readonly number[], max: number): [number[], number[]] {
  if (xs.length <= max) return [xs.slice(), ys.slice()];
  const size = Math.ceil(xs.length / max);
  const mean = (v: readonly number[], start: number) => {
    const chunk = v.slice(start, start + size);
    return chunk.reduce((a, b) => a + b, 0) / chunk.length;
  };
  const starts = Array.from({ length: Math.ceil(xs.length / size) }, (_, i) => i * size);
  return [starts.map((s) => mean(xs, s)), starts.map((s) => mean(ys, s))];
}

/** A chart that redraws in place as points are pushed (`plot.live()`): `chart.push({ step, loss })` during training, redrawn at most as often as its time budget allows and once more at the end of the cell. */
export class LiveChart implements Displayable, Flushable {
  private readonly series = new Map<string, { x: number[]; y: number[] }>();
  private xField: string | undefined;
  private pushes = 0;
  private readonly handle: DisplayHandle;
  private dirty = false;
  /** Whether the output shows the PNG (drawn only on the final redraw: see `flush`). */
  private hasPng = true;
  private pointsDrawn = false;
  private lastDrawEnd = 0;
  private lastDrawCost = 0;
  private draws = 0;
  private drawMs = 0;
  private readonly budget: number;

  constructor(private readonly options: LiveOptions = {}) {
    this.budget = options.budget ?? 0.02;
    if (!(this.budget > 0 && this.budget <= 1)) throw new DisplayError(`budget must be in (0, 1], got ${options.budget}`);
    this.xField = options.x;
    this.handle = this.timed(() => display(this));
  }

  /** The Jupyter display_id of the chart's output, which each redraw updates. */
  get displayId(): string {
    return this.handle.displayId;
  }

  /** Points, redraws and drawing time so far (to check that drawing stays a small share of training). */
  get stats(): LiveStats {
    return { points: this.pushes, draws: this.draws, drawMs: this.drawMs };
  }

  /** Adds one point, e.g. { step, loss } or { epoch, accuracy, testAccuracy }; every other numeric field is a series. */
  push(point: Readonly<Record<string, number>>): void {
    this.xField ??= X_FIELDS.find((f) => f in point);
    const x = this.xField === undefined ? this.pushes : point[this.xField];
    if (typeof x !== "number") {
      throw new DisplayError(`live chart point ${inspect(point)} has no number in its x field "${this.xField}"; push { ${this.xField}: ..., ... }`);
    }
    for (const [name, value] of Object.entries(point)) {
      if (name === this.xField) continue;
      if (typeof value !== "number") throw new DisplayError(`live chart field "${name}" is ${inspect(value)}; push numbers (use loss.item())`);
      let s = this.series.get(name);
      if (!s) this.series.set(name, (s = { x: [], y: [] }));
      s.x.push(x);
      s.y.push(value);
    }
    this.pushes++;
    this.dirty = true;
    markPending(this);
    // The first points at once; then redraw after enough undrawn time that the last draw's cost
    // stays within the budget, but never wait longer than MAX_WAIT_MS.
    const wait = this.pointsDrawn ? Math.min(this.lastDrawCost / this.budget, MAX_WAIT_MS) : 0;
    if (performance.now() - this.lastDrawEnd >= wait) this.redraw(false);
  }

  /**
   * Draws the final state now, with the PNG (what nbconvert, GitHub and the classic Notebook show),
   * if anything changed since the last complete draw. The kernel calls it after each cell.
   */
  flush(): void {
    markDrawn(this);
    if (!this.dirty && this.hasPng) return;
    this.redraw(true);
  }

  /** Redraws in place; intermediate redraws leave the PNG out (a third of the cost of a draw). */
  private redraw(png: boolean): void {
    this.dirty = false;
    this.hasPng = png;
    this.pointsDrawn ||= this.pushes > 0;
    this.timed(() => this.handle.update(this));
  }

  /** The current state as a static chart. */
  chart(): Chart {
    const max = this.options.maxPoints ?? 1000;
    const { x: _x, budget: _b, maxPoints: _m, ...chartOptions } = this.options;
    if (this.series.size === 0) return this.emptyChart(chartOptions);
    const drawn = [...this.series].map(([name, s]) => [name, downsample(s.x, s.y, max)] as const);
    return line({
      ...chartOptions,
      xTitle: this.options.xTitle ?? this.xField ?? "point",
      x: Object.fromEntries(drawn.map(([name, [xs]]) => [name, xs])),
      y: Object.fromEntries(drawn.map(([name, [, ys]]) => [name, ys])),
    });
  }

  /**
   * Before the first point: the title and empty axes over 0–1, as matplotlib draws an empty plot.
   * Axis titles only where given (no made-up names); the fixed domains spare vega-embed its
   * "Infinite extent" warnings, which scales over no data log in the browser's console.
   */
  private emptyChart(chartOptions: ChartOptions): Chart {
    const axis = (field: string, title: string | undefined) => ({ field, type: "quantitative", title: title ?? null, scale: { domain: [0, 1] } });
    const encoding = { x: axis("x", this.options.xTitle ?? this.options.x), y: axis("y", this.options.yTitle) };
    return line({ ...chartOptions, y: [], spec: { encoding, ...chartOptions.spec } });
  }

  private describe(): string {
    const last = [...this.series].map(([name, s]) => `${name} ${s.y[s.y.length - 1]!.toPrecision(4)}`).join(", ");
    const where = this.xField === undefined ? `after ${this.pushes} points` : `at ${this.xField} ${[...this.series.values()][0]?.x.at(-1)}`;
    return `Live chart${this.options.title ? ` "${this.options.title}"` : ""}: ` + (this.pushes ? `${last} ${where}` : "no points yet");
  }

  private timed<T>(draw: () => T): T {
    const start = performance.now();
    const result = draw();
    this.lastDrawEnd = performance.now();
    this.lastDrawCost = this.lastDrawEnd - start;
    this.draws++;
    this.drawMs += this.lastDrawCost;
    return result;
  }

  [DISPLAY](): { data: MimeBundle; metadata: DisplayMetadata } {
    const { data, metadata } = this.chart().bundle({ png: this.hasPng });
    return { data: { ...data, "text/plain": this.describe() }, metadata };
  }

  [inspectCustom](): string {
    return this.describe();
  }
}

/** Shows an empty chart now and returns it; `push` points into it as training runs. */
export function live(options: LiveOptions = {}): LiveChart {
  return new LiveChart(options);
}
