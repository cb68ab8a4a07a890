/**
 * What a student sees while a cell runs, over the wire from a real nnlab kernel: how late
 * `console.log` lines arrive from inside a blocking loop, how soon a `plot.live` curve shows its
 * first point, the longest wait between its redraws, and the share of the loop spent drawing; and
 * how fast a cell's own top-level loop runs against the same code in plain Node (the yardstick,
 * measured in the same run).
 */
import { spawnSync } from "node:child_process";
import { KernelClient } from "../tests/kernel/client";
import type { Message } from "../kernel/wire";

/** Every iopub message of one execution with the time it reached the client (ms, Date.now()). */
async function arrivals(kernel: KernelClient, code: string): Promise<{ at: number; m: Message }[]> {
  const id = await kernel.startExecute(code);
  const seen = new Set<Message>();
  const out: { at: number; m: Message }[] = [];
  for (;;) {
    const m = await kernel.waitIopub((x) => x.parent_header.msg_id === id && !seen.has(x), 120_000);
    if (!m) throw new Error("no output from the kernel for 120 s");
    seen.add(m);
    out.push({ at: Date.now(), m });
    if (m.header.msg_type === "status" && (m.content as { execution_state?: string }).execution_state === "idle") break;
  }
  await kernel.shellReply(id);
  return out;
}

const STDOUT_CELL = `
for (let i = 0; i < 4; i++) {
  const until = Date.now() + 1500;
  while (Date.now() < until) { /* a blocking training step */ }
  console.log("printed at " + Date.now());
}`;

/** Worst delay between a line's print and its arrival at the client. */
async function stdoutLatency(kernel: KernelClient): Promise<number> {
  let worst = 0;
  for (const { at, m } of await arrivals(kernel, STDOUT_CELL)) {
    if (m.header.msg_type !== "stream") continue;
    for (const match of String((m.content as { text: string }).text).matchAll(/printed at (\d+)/g)) worst = Math.max(worst, at - Number(match[1]));
  }
  return worst;
}

const LIVE_CELL = `
const curve = plot.live({ title: "Training loss" });
const started = Date.now();
let step = 0;
for (; Date.now() - started < 8000; step++) {
  const until = Date.now() + 16;
  while (Date.now() < until) { /* the lecture's training step */ }
  curve.push({ step, loss: Math.exp(-step / 300) });
}
const loopMs = Date.now() - started;
console.log(JSON.stringify({ loopMs, drawMs: curve.stats.drawMs, renderMs: curve.stats.renderMs, draws: curve.stats.draws }));`;

/**
 * The drawing share is the pushing (training) thread's time spent on drawing; the drawing thread's
 * own rendering time, beside it on another core, is given apart (render share) with the redraws.
 */
interface LiveFigures { firstPointMs: number; longestGapMs: number; drawSharePercent: number; renderSharePercent: number; redraws: number }

/** First point: from the empty chart's arrival to the first redraw's; gaps between redraws while pushing. */
async function liveChart(kernel: KernelClient): Promise<LiveFigures> {
  const messages = await arrivals(kernel, LIVE_CELL);
  const shown = messages.find(({ m }) => m.header.msg_type === "display_data");
  const updates = messages.filter(({ m }) => m.header.msg_type === "update_display_data");
  const stats = messages.find(({ m }) => m.header.msg_type === "stream");
  if (!shown || updates.length < 2 || !stats) throw new Error(`live chart: ${updates.length} redraws, no statistics line`);
  const { loopMs, drawMs, renderMs, draws } = JSON.parse(String((stats.m.content as { text: string }).text)) as { loopMs: number; drawMs: number; renderMs: number; draws: number };
  // The last update is the final flush after the loop; the gaps that count are while points come.
  const whilePushing = updates.slice(0, -1).map(({ at }) => at);
  const gaps = whilePushing.slice(1).map((at, i) => at - whilePushing[i]!);
  return { firstPointMs: updates[0]!.at - shown.at, longestGapMs: Math.max(...gaps), drawSharePercent: (100 * drawMs) / loopMs,
    renderSharePercent: (100 * renderMs) / loopMs, redraws: draws };
}

/** A loop that updates a variable at the top level of a cell (names made unique per round: cells share them). */
const loop = (n: number) => `let acc${n} = 0; for (let i = 0; i < 1e7; i++) { acc${n} += i % 7; }`;
/** The same loop updating a variable that an earlier cell declared. */
const laterLoop = (n: number) => `for (let i = 0; i < 1e7; i++) { shared${n} += i % 7; }`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs `code` in a cell and returns the time it took, measured inside the cell. */
async function timeCell(kernel: KernelClient, code: string, round: number): Promise<number> {
  const { outputs } = await kernel.execute(`const t${round} = performance.now(); ${code}\nperformance.now() - t${round}`);
  const result = outputs.find((m) => m.header.msg_type === "execute_result");
  const text = (result?.content as { data?: Record<string, string> } | undefined)?.data?.["text/plain"];
  if (text === undefined) throw new Error(`the timed cell gave no result: ${JSON.stringify(outputs.map((m) => m.content))}`);
  return Number(text);
}

interface LoopFigures { kernelMs: number; laterCellMs: number; manyNamesMs: number; nodeMs: number }

/** A cell declaring 200 names: a lecture notebook's worth, past V8's limit for fast properties. */
const MANY_NAMES = `let ${Array.from({ length: 200 }, (_, i) => `name${i} = ${i}`).join(", ")};`;

/**
 * The same top-level loop as a cell (timed inside the cell), in a later cell updating an earlier
 * cell's variable (after that name was declared twice, as re-running a cell does), as a cell
 * again once the notebook holds 200 more names, and in plain Node (timed inside the script).
 */
async function topLevelLoop(kernel: KernelClient): Promise<LoopFigures> {
  const inKernel: number[] = [];
  const inLaterCell: number[] = [];
  const withManyNames: number[] = [];
  const inNode: number[] = [];
  for (let round = 0; round < 5; round++) {
    inKernel.push(await timeCell(kernel, loop(round), round));
    await kernel.execute(`let shared${round} = 1;`);
    await kernel.execute(`let shared${round} = 0;`);
    inLaterCell.push(await timeCell(kernel, laterLoop(round), round));
    const node = spawnSync(process.execPath, ["-e", `const t0 = performance.now(); ${loop(0)} console.log(performance.now() - t0)`], { encoding: "utf8" });
    inNode.push(Number(node.stdout));
  }
  await kernel.execute(MANY_NAMES);
  for (let round = 0; round < 5; round++) withManyNames.push(await timeCell(kernel, loop(round + 5), round));
  return { kernelMs: median(inKernel), laterCellMs: median(inLaterCell), manyNamesMs: median(withManyNames), nodeMs: median(inNode) };
}

/** `NNLAB_BENCH_LIVE=loop` measures only the top-level loops (the default measures everything). */
const ONLY_LOOPS = process.env.NNLAB_BENCH_LIVE === "loop";

export async function run(): Promise<Record<string, number | string>> {
  const kernel = await KernelClient.start();
  try {
    await kernel.execute("1 + 1");
    const results: Record<string, number> = {};
    if (!ONLY_LOOPS) {
      results["live.stdout_worst_latency_ms"] = await stdoutLatency(kernel);
      const live = await liveChart(kernel);
      results["live.chart_first_point_ms"] = live.firstPointMs;
      results["live.chart_longest_redraw_gap_ms"] = live.longestGapMs;
      results["live.chart_draw_share_percent"] = Number(live.drawSharePercent.toFixed(2));
      results["live.chart_render_share_percent"] = Number(live.renderSharePercent.toFixed(2));
      results["live.chart_redraws"] = live.redraws;
    }
    const loop = await topLevelLoop(kernel);
    results["live.top_level_loop_kernel_ms"] = Number(loop.kernelMs.toFixed(1));
    results["live.top_level_loop_node_ms"] = Number(loop.nodeMs.toFixed(1));
    results["live.top_level_loop_ratio"] = Number((loop.kernelMs / loop.nodeMs).toFixed(2));
    results["live.later_cell_loop_kernel_ms"] = Number(loop.laterCellMs.toFixed(1));
    results["live.later_cell_loop_ratio"] = Number((loop.laterCellMs / loop.nodeMs).toFixed(2));
    results["live.top_level_loop_200_names_kernel_ms"] = Number(loop.manyNamesMs.toFixed(1));
    results["live.top_level_loop_200_names_ratio"] = Number((loop.manyNamesMs / loop.nodeMs).toFixed(2));
    for (const [key, value] of Object.entries(results)) console.log(`${key.padEnd(48)} ${value}`);
    return results;
  } finally {
    await kernel.close();
  }
}

if (require.main === module) run().catch((e) => { console.error(e); process.exit(1); });
