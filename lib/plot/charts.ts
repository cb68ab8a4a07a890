/**
 * Chart builders: plain arrays or tensors in, a typed Vega-Lite v5 spec out (wrapped in a Chart).
 * Every builder takes `spec`, merged over the generated top level: the escape hatch for anything
 * the options do not cover (config, scales, extra layers). `plot.spec()` takes a whole raw spec.
 */
import type { TopLevelSpec } from "vega-lite";
import { DisplayError } from "../display/errors";
import { isTensorLike, toLabels, toRows, toVector, type Matrix, type Series, type TensorLike } from "../display/tensorLike";
import { Chart, VEGA_LITE_SCHEMA } from "./chart";

/** Options every chart takes: titles of the chart and axes, size, and the like. */
export interface ChartOptions {
  title?: string;
  xTitle?: string;
  yTitle?: string;
  /** Size of the plotting area in pixels (axes and legend come on top). */
  width?: number;
  height?: number;
  /** Top-level Vega-Lite properties merged over the generated spec, e.g. { config: { axis: { grid: false } } }. */
  spec?: Record<string, unknown>;
}

type Row = Record<string, number | string | null>;
/** JSON has no NaN or Infinity: such points become null, which Vega-Lite leaves out (a gap in a line). */
const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);
/** Scroll to zoom and drag to pan in JupyterLab and VS Code; no effect on the SVG and PNG. */
const PAN_ZOOM = [{ name: "view", select: "interval", bind: "scales" }];

function build(options: ChartOptions, size: { width: number; height: number }, body: Record<string, unknown>, description: string): Chart {
  const spec = {
    $schema: VEGA_LITE_SCHEMA,
    ...(options.title === undefined ? {} : { title: options.title }),
    width: options.width ?? size.width,
    height: options.height ?? size.height,
    ...body,
    ...options.spec,
  } as TopLevelSpec;
  return new Chart(spec, options.title === undefined ? description : `${description}: "${options.title}"`);
}

function sameLength(name: string, values: readonly unknown[], expected: number, against: string): void {
  if (values.length !== expected) {
    throw new DisplayError(`${name} has ${values.length} values but ${against} has ${expected}; pass one per point`);
  }
}

/** `plot.line` options: the series (y values, optionally x) and how to draw them. */
export interface LineOptions extends ChartOptions {
  /** One series, or several by name: { train: losses, test: testLosses }. */
  y: Series | Record<string, Series>;
  /** x values (default 0, 1, 2, …): shared by all series, or per series by name like `y`. */
  x?: Series | Record<string, Series>;
  /** Draw a dot on each point too (default: on series of at most 20 points, so one point shows). */
  points?: boolean;
}

/** Series up to this long get a dot on each point by default: a one-point curve is visible. */
const DOTS_UP_TO = 20;

const isSeries = (v: Series | Record<string, Series>): v is Series =>
  isTensorLike(v) || typeof (v as ArrayLike<number>).length === "number";

function namedSeries(y: LineOptions["y"]): [string, number[]][] {
  if (isSeries(y)) return [["y", toVector(y, "y")]];
  return Object.entries(y).map(([name, s]) => [name, toVector(s, `y.${name}`)]);
}

/** x values of series `name`, checked to pair with its `ys`; undefined means 0, 1, 2, … */
function xValues(x: LineOptions["x"], name: string, ys: readonly number[], yName: string): number[] | undefined {
  if (x === undefined) return undefined;
  const shared = isSeries(x);
  const source = shared ? x : x[name];
  if (source === undefined) throw new DisplayError(`x has no entry for series "${name}"; give x per series for all of ${yName} or one shared x`);
  const xs = toVector(source, shared ? "x" : `x.${name}`);
  sameLength(yName, ys, xs.length, shared ? "x" : `x.${name}`);
  return xs;
}

/** Line chart of one or several series. */
export function line(options: LineOptions): Chart {
  const series = namedSeries(options.y);
  if (series.length === 0) throw new DisplayError("line needs at least one series in y, e.g. { y: { loss: losses } }");
  const several = series.length > 1;
  const rows: Row[] = series.flatMap(([name, ys]) => {
    const xs = xValues(options.x, name, ys, several ? `y.${name}` : "y");
    return ys.map((v, i) => ({ x: finite(xs ? xs[i]! : i), y: finite(v), series: name }));
  });
  const longest = Math.max(...series.map(([, ys]) => ys.length));
  const wholeX = rows.every((r) => r.x === null || Number.isInteger(r.x));
  const body = {
    data: { values: rows },
    mark: { type: "line", point: options.points ?? longest <= DOTS_UP_TO, tooltip: true },
    params: PAN_ZOOM,
    encoding: {
      // Steps and epochs are whole numbers: no 0.5-epoch ticks.
      x: { field: "x", type: "quantitative", title: options.xTitle ?? (options.x ? "x" : "index"),
        ...(wholeX ? { axis: { tickMinStep: 1, format: "d" } } : {}) },
      // The axis fits the data (an accuracy of 97–99 % is not squeezed against 0).
      y: { field: "y", type: "quantitative", scale: { zero: false }, title: options.yTitle ?? (several ? "value" : series[0]![0]) },
      ...(several ? { color: { field: "series", type: "nominal", title: null, sort: series.map(([n]) => n) } } : {}),
    },
  };
  const counts = [...new Set(series.map(([, ys]) => ys.length))].join("/");
  const names = several ? ` (${series.map(([n]) => n).join(", ")})` : "";
  return build(options, { width: 400, height: 220 }, body, `Line chart, ${series.length} series${names}, ${counts} points`);
}

/** `plot.scatter` options: x and y values and an optional class per point for the colour. */
export interface ScatterOptions extends ChartOptions {
  x: Series;
  y: Series;
  /** A class per point (numbers, strings or a tensor of class indices), shown as colours. */
  color?: ArrayLike<number | string> | TensorLike;
  colorTitle?: string;
}

/** Scatter plot, optionally coloured by class. */
export function scatter(options: ScatterOptions): Chart {
  const x = toVector(options.x, "x"), y = toVector(options.y, "y");
  sameLength("y", y, x.length, "x");
  const groups = options.color === undefined ? undefined : toLabels(options.color, "color");
  if (groups) sameLength("color", groups, x.length, "x");
  const rows: Row[] = x.map((xi, i) => ({ x: finite(xi), y: finite(y[i]!), ...(groups ? { group: String(groups[i]) } : {}) }));
  const body = {
    data: { values: rows },
    mark: { type: "point", filled: true, tooltip: true },
    params: PAN_ZOOM,
    encoding: {
      x: { field: "x", type: "quantitative", title: options.xTitle ?? "x", scale: { zero: false } },
      y: { field: "y", type: "quantitative", title: options.yTitle ?? "y", scale: { zero: false } },
      ...(groups ? { color: { field: "group", type: "nominal", title: options.colorTitle ?? "class" } } : {}),
    },
  };
  return build(options, { width: 400, height: 300 }, body, `Scatter plot, ${x.length} points` + (groups ? `, ${new Set(groups).size} classes` : ""));
}

/** `plot.bar` options: one value per label. */
export interface BarOptions extends ChartOptions {
  values: Series;
  /** One label per bar (default 0, 1, 2, …); bars keep this order. */
  labels?: ArrayLike<number | string>;
}

/** Bar chart of one value per label. */
export function bar(options: BarOptions): Chart {
  const values = toVector(options.values, "values");
  const labels = options.labels === undefined ? values.map((_, i) => i) : Array.from(options.labels);
  sameLength("labels", labels, values.length, "values");
  const rows: Row[] = values.map((v, i) => ({ label: String(labels[i]), value: finite(v) }));
  const body = {
    data: { values: rows },
    mark: { type: "bar", tooltip: true },
    encoding: {
      x: { field: "label", type: "nominal", sort: null, title: options.xTitle ?? null, axis: { labelAngle: 0 } },
      y: { field: "value", type: "quantitative", title: options.yTitle ?? "value" },
    },
  };
  return build(options, { width: Math.min(600, 40 * values.length + 40), height: 220 }, body, `Bar chart, ${values.length} bars`);
}

/** `plot.heatmap` options: a matrix of values and the labels of its rows and columns. */
export interface HeatmapOptions extends ChartOptions {
  /** Rows of numbers or a 2-D tensor; row 0 is drawn at the top. */
  values: Matrix;
  xLabels?: readonly (string | number)[];
  yLabels?: readonly (string | number)[];
  /** Write each value in its cell (default: when there are at most 400 cells). */
  annotate?: boolean;
  colorTitle?: string;
}

/** Heatmap of a matrix, e.g. a confusion matrix. */
export function heatmap(options: HeatmapOptions): Chart {
  const matrix = toRows(options.values, "values");
  const nRows = matrix.length, nCols = matrix[0]?.length ?? 0;
  const xLabels = (options.xLabels ?? Array.from({ length: nCols }, (_, i) => i)).map(String);
  const yLabels = (options.yLabels ?? Array.from({ length: nRows }, (_, i) => i)).map(String);
  sameLength("xLabels", xLabels, nCols, "each row of values");
  sameLength("yLabels", yLabels, nRows, "values");
  const rows: Row[] = matrix.flatMap((r, i) => r.map((v, j) => ({ row: yLabels[i]!, col: xLabels[j]!, value: finite(v) })));
  const values = rows.map((r) => r.value).filter((v): v is number => v !== null);
  const middle = (Math.min(...values) + Math.max(...values)) / 2;
  const cell = Math.max(12, Math.min(40, Math.floor(400 / Math.max(nRows, nCols, 1))));
  const position = {
    x: { field: "col", type: "ordinal", sort: xLabels, title: options.xTitle ?? null, axis: { labelAngle: 0 } },
    y: { field: "row", type: "ordinal", sort: yLabels, title: options.yTitle ?? null },
  };
  const annotate = options.annotate ?? nRows * nCols <= 400;
  const layers: Record<string, unknown>[] = [{
    mark: { type: "rect", tooltip: true },
    encoding: { color: { field: "value", type: "quantitative", title: options.colorTitle ?? null, scale: { scheme: "blues" } } },
  }];
  if (annotate) {
    layers.push({
      mark: { type: "text", fontSize: Math.min(12, cell / 2.5) },
      encoding: {
        text: { field: "value", type: "quantitative", format: Number.isInteger(values[0]) && values.every(Number.isInteger) ? "d" : ".2f" },
        color: { condition: { test: `datum.value > ${middle}`, value: "white" }, value: "black" },
      },
    });
  }
  const body = { data: { values: rows }, encoding: position, layer: layers };
  return build(options, { width: cell * nCols, height: cell * nRows }, body, `Heatmap ${nRows}×${nCols}`);
}

/** `plot.confusionMatrix` options: true and predicted classes (tensors or arrays) and the class names. */
export interface ConfusionMatrixOptions extends Omit<HeatmapOptions, "values" | "xLabels" | "yLabels"> {
  /** True class indices. */
  labels: Series;
  /** Predicted class indices, one per label. */
  predictions: Series;
  /** Class names (their number sets the matrix size); default 0 … the largest index seen. */
  classes?: readonly (string | number)[];
}

/** Counts of (true, predicted) class pairs as an annotated heatmap: rows true, columns predicted. */
export function confusionMatrix(options: ConfusionMatrixOptions): Chart {
  const truth = toVector(options.labels, "labels"), predicted = toVector(options.predictions, "predictions");
  sameLength("predictions", predicted, truth.length, "labels");
  const k = options.classes?.length ?? truth.concat(predicted).reduce((a, b) => Math.max(a, b), -1) + 1;
  const counts = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  truth.forEach((t, i) => {
    const p = predicted[i]!;
    if (!(Number.isInteger(t) && Number.isInteger(p) && t >= 0 && p >= 0 && t < k && p < k)) {
      throw new DisplayError(`labels[${i}] = ${t} and predictions[${i}] = ${p} must be class indices in 0 … ${k - 1}`);
    }
    counts[t]![p]!++;
  });
  const correct = counts.reduce((sum, row, i) => sum + row[i]!, 0);
  const { labels: _labels, predictions: _predictions, classes, ...rest } = options;
  const chart = heatmap({
    ...rest,
    values: counts,
    xLabels: classes, yLabels: classes,
    xTitle: options.xTitle ?? "predicted", yTitle: options.yTitle ?? "true", colorTitle: options.colorTitle ?? "count",
  });
  const accuracy = truth.length ? ((100 * correct) / truth.length).toFixed(1) : "n/a";
  return new Chart(chart.spec, `Confusion matrix ${k}×${k}, accuracy ${accuracy} % (${correct}/${truth.length})` +
    (options.title === undefined ? "" : `: "${options.title}"`));
}

/** Any Vega-Lite v5 spec with inline data, displayed like the built-in charts. */
export function spec(raw: TopLevelSpec, description?: string): Chart {
  const title = (raw as { title?: unknown }).title;
  const mark = (raw as { mark?: unknown }).mark;
  const kind = typeof mark === "string" ? mark : (mark as { type?: string } | undefined)?.type ?? "composite";
  return new Chart(raw, description ?? `Vega-Lite chart (${kind})` + (typeof title === "string" ? `: "${title}"` : ""));
}
