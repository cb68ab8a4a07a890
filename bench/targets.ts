/**
 * The targets `npm run bench` checks (issue 11), each printed with ✔ or ✘ and its figure, from the
 * results of the suites that ran. A target whose suite did not run (or had no yardstick) is left out.
 */
type Results = Record<string, Record<string, number | string> | unknown>;

interface Measured {
  value: number;
  limit: number;
  /** The same figure from CPU time (all threads), which moves far less with the machine's load. */
  cpu?: number;
}

interface Target {
  what: string;
  /** The figure and the limit it must not exceed; undefined when the run did not measure it. */
  measure(r: Results): Measured | undefined;
  unit: string;
}

const num = (r: Results, suite: string, key: string): number | undefined => {
  const v = (r[suite] as Record<string, unknown> | undefined)?.[key];
  return typeof v === "number" ? v : undefined;
};

/** Epoch ratio (training and test pass) over the step ratio of the same net: per-batch costs the step benchmark does not see. */
function epochOverStep(net: "cnn" | "fc"): Target["measure"] {
  return (r) => {
    const [epoch, step] = [num(r, "training", `${net} epoch ratio`), num(r, "step", `${net} ratio`)];
    const [epochCpu, stepCpu] = [num(r, "training", `${net} epoch cpu ratio`), num(r, "step", `${net} cpu ratio`)];
    if (epoch === undefined || step === undefined) return undefined;
    return { value: epoch / step, limit: 1.2, cpu: epochCpu !== undefined && stepCpu !== undefined ? epochCpu / stepCpu : undefined };
  };
}

/** The same, from the step each side timed in its own training process right after its epochs (training.ts). */
function epochOverOwnStep(net: "cnn" | "fc"): Target["measure"] {
  return (r) => {
    const value = num(r, "training", `${net} epoch over own step, nnlab / pytorch`);
    return value === undefined ? undefined : { value, limit: 1.2 };
  };
}

function stepRatio(net: "cnn" | "fc", limit: number): Target["measure"] {
  return (r) => {
    const value = num(r, "step", `${net} ratio`);
    return value === undefined ? undefined : { value, limit, cpu: num(r, "step", `${net} cpu ratio`) };
  };
}

/** A figure of one suite against a fixed limit. */
function figure(suite: string, key: string, limit: number): Target["measure"] {
  return (r) => {
    const value = num(r, suite, key);
    return value === undefined ? undefined : { value, limit };
  };
}

const TARGETS: Target[] = [
  { what: "CNN training step / PyTorch", unit: "x", measure: stepRatio("cnn", 1.0) },
  { what: "FC training step / PyTorch", unit: "x", measure: stepRatio("fc", 2.5) },
  { what: "CNN epoch ratio / CNN step ratio", unit: "x", measure: epochOverStep("cnn") },
  { what: "FC epoch ratio / FC step ratio", unit: "x", measure: epochOverStep("fc") },
  { what: "CNN epoch / own step, nnlab over PyTorch (steps timed in the training processes)", unit: "x", measure: epochOverOwnStep("cnn") },
  { what: "FC epoch / own step, nnlab over PyTorch (steps timed in the training processes)", unit: "x", measure: epochOverOwnStep("fc") },
  { what: "kernel start to first cell done", unit: " ms", measure: figure("kernel", "nnlab start to first cell done (ms)", 1000) },
  { what: "trivial cell round trip", unit: " ms", measure: figure("kernel", "nnlab trivial cell round trip (ms)", 10) },
  { what: "completion round trip", unit: " ms", measure: figure("kernel", "nnlab completion round trip (ms)", 12) },
  { what: "idle kernel memory after a lecture cell (issue 13)", unit: " MB", measure: figure("kernel", "nnlab idle RSS after a lecture cell (MB)", 200) },
  { what: "top-level loop in a cell / plain Node", unit: "x", measure: figure("live", "live.top_level_loop_ratio", 1.5) },
  { what: "console.log in a blocking loop, worst delay", unit: " ms", measure: figure("live", "live.stdout_worst_latency_ms", 500) },
  { what: "live chart: first point after the chart shows", unit: " ms", measure: figure("live", "live.chart_first_point_ms", 1000) },
  { what: "live chart: longest wait between redraws", unit: " ms", measure: figure("live", "live.chart_longest_redraw_gap_ms", 2000) },
  { what: "live chart: share of the loop spent drawing", unit: " %", measure: figure("live", "live.chart_draw_share_percent", 3) },
  { what: "grading 40 submissions, --jobs 2 / --jobs 1", unit: "x", measure: figure("assign", "ratio", 0.6) },
];

/** One line per measured target: ✔ or ✘, the figure and the limit. */
export function targetLines(results: Results): string[] {
  const lines: string[] = [];
  for (const t of TARGETS) {
    const m = t.measure(results);
    if (!m) continue;
    const cpu = m.cpu === undefined ? "" : `; from CPU time ${m.cpu.toFixed(2)}${t.unit}`;
    lines.push(`${m.value <= m.limit ? "✔" : "✘"} ${t.what}: ${m.value.toFixed(2)}${t.unit} (target <= ${m.limit}${t.unit}${cpu})`);
  }
  return lines;
}
