/**
 * A live training curve: shown once, then each `push` appends a point and redraws the same output
 * in place (update_display_data). The drawing happens in a thread of its own (drawer.ts), throttled
 * so that it takes at most `budget` of the wall time there; the pushing thread only builds the spec
 * and sends the pictures back out.
 */
import { inspect } from "node:util";
import { inspectCustom } from "../display/inspect";
import { DISPLAY, type DisplayMetadata, type Displayable, type MimeBundle } from "../display/protocol";
import { display, type DisplayHandle } from "../display/display";
import { DisplayError } from "../display/errors";
import { markDrawn, markPending, type Flushable } from "../display/pending";
import type { TopLevelSpec } from "vega-lite";
import { line, type ChartOptions } from "./charts";
import { chartBundle, VEGA_LITE_MIME, type Chart } from "./chart";
import { theDrawer, type Drawer, type DrawResult } from "./drawer";

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
  /** Share of wall time the drawing thread may spend drawing, between 0 and 1 (default 0.02: with the final
   * redraw and draws that grow with the history, a whole epoch stays under 3 %). */
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
  /** Time the pushing thread spent on redraws: building each spec, posting it, sending the pictures back (ms). */
  readonly drawMs: number;
  /** Time the drawing thread spent rendering them (ms). */
  readonly renderMs: number;
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

/** What the chart's output shows now, or is being drawn to show. */
interface Shown {
  /** Points pushed when it was built. */
  readonly pushes: number;
  /** Whether it carries the PNG (only the final state does: see `flush`). */
  readonly png: boolean;
}

/**
 * A chart that redraws in place as points are pushed (`plot.live()`): `chart.push({ step, loss })`
 * during training, redrawn at most as often as its time budget allows and once more at the end of
 * the cell. The drawing itself happens in a thread of its own (drawer.ts): each redraw is a spec
 * sent there and, when its SVG comes back, an update_display_data sent from here.
 */
export class LiveChart implements Displayable, Flushable {
  private readonly series = new Map<string, { x: number[]; y: number[] }>();
  private xField: string | undefined;
  private pushes = 0;
  private readonly handle: DisplayHandle;
  /** The state the output shows (undefined: the first display, spec and text only, no picture yet). */
  private shown?: Shown;
  /** The state being drawn, its request, and its spec and text (sent with its pictures). */
  private drawing?: Shown & { seq: number; spec: TopLevelSpec; text: string; drawer: Drawer };
  private lastRequest = -Infinity;
  private lastPush = performance.now();
  private lastRenderMs = 0;
  private draws = 0;
  private drawMs = 0;
  private renderMs = 0;
  private timing = false;
  private readonly budget: number;

  constructor(private readonly options: LiveOptions = {}) {
    this.budget = options.budget ?? 0.02;
    if (!(this.budget > 0 && this.budget <= 1)) throw new DisplayError(`budget must be in (0, 1], got ${options.budget}`);
    this.xField = options.x;
    // The spec and the text at once (JupyterLab draws the spec); the pictures follow from the drawing thread.
    this.handle = this.timed(() => {
      const { spec } = this.chart();
      const handle = display({ [DISPLAY]: () => ({ data: { [VEGA_LITE_MIME]: spec, "text/plain": this.describe() }, metadata: {} }) });
      this.request(false);
      return handle;
    });
    markPending(this);
  }

  /** The Jupyter display_id of the chart's output, which each redraw updates. */
  get displayId(): string {
    return this.handle.displayId;
  }

  /** Points, redraws and drawing time so far (to check that drawing stays a small share of training). */
  get stats(): LiveStats {
    return { points: this.pushes, draws: this.draws, drawMs: this.drawMs, renderMs: this.renderMs };
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
    markPending(this);
    const now = performance.now();
    const sparse = now - this.lastPush >= MAX_WAIT_MS;
    this.lastPush = now;
    this.timed(() => {
      this.drawing?.drawer.poll();
      if (!this.drawing && this.due(now)) this.request(false);
      // Points a second and more apart: no next push will come soon to send the drawing, so wait for it here.
      while (sparse && this.drawing) this.drawing.drawer.wait(this.drawing.seq);
    });
  }

  /**
   * Draws the final state now, with the PNG (what nbconvert, GitHub and the classic Notebook show),
   * if the output does not show it yet. The kernel calls it after each cell.
   */
  flush(): void {
    markDrawn(this);
    this.timed(() => {
      while (this.drawing) this.drawing.drawer.wait(this.drawing.seq);
      if (this.shown?.png && this.shown.pushes === this.pushes) return;
      this.request(true);
      this.drawing!.drawer.wait(this.drawing!.seq);
    });
  }

  /**
   * Whether to draw the points pushed since the last drawing now: the first points at once; then
   * once the time since the last request is enough that the drawing thread's last drawing stays
   * within the budget, and at most MAX_WAIT_MS after it.
   */
  private due(now: number): boolean {
    if ((this.shown?.pushes ?? 0) === this.pushes) return false;
    if ((this.shown?.pushes ?? 0) === 0) return true;
    return now - this.lastRequest >= Math.min(this.lastRenderMs / this.budget, MAX_WAIT_MS);
  }

  /** Sends the current state to the drawing thread; `send` shows it when it comes back. */
  private request(png: boolean): void {
    const chart = this.chart();
    const drawer = theDrawer();
    const state = { pushes: this.pushes, png, spec: chart.spec, text: this.describe(), drawer };
    this.lastRequest = performance.now();
    const seq = drawer.request(chart.spec, png, (result) => this.timed(() => this.send(state, result)));
    this.drawing = { ...state, seq };
  }

  /**
   * Shows a drawing that came back, then asks for the next one if it is due. A drawing of the empty
   * chart made before the first points arrived is dropped: the first points are drawn next.
   */
  private send(state: Shown & { spec: TopLevelSpec; text: string }, result: DrawResult): void {
    this.drawing = undefined;
    this.lastRenderMs = result.ms;
    this.renderMs += result.ms;
    if (result.error !== undefined) throw new DisplayError(`drawing the live chart failed: ${result.error}`);
    if (!(state.pushes === 0 && this.pushes > 0)) {
      this.handle.update({ [DISPLAY]: () => chartBundle(state.spec, state.text, result) });
      this.shown = state;
      this.draws++;
    }
    if (this.due(performance.now())) this.request(false);
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

  /** Runs `work` counting its time as drawing time; nested calls count once. */
  private timed<T>(work: () => T): T {
    if (this.timing) return work();
    const start = performance.now();
    this.timing = true;
    try {
      return work();
    } finally {
      this.timing = false;
      this.drawMs += performance.now() - start;
    }
  }

  /** The current state drawn in full (SVG and PNG), now: for `display(curve)` elsewhere. */
  [DISPLAY](): { data: MimeBundle; metadata: DisplayMetadata } {
    const { data, metadata } = this.chart()[DISPLAY]();
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
