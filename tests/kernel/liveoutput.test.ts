// Output that is live while a cell blocks its thread: printed lines and live-chart redraws reach
// the client while the loop still runs, not when it ends or prints again (issue 11). Thresholds
// carry a margin for a loaded CI machine; `npm run bench` (live suite) measures the figures.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { KernelClient } from "./client";
import { StreamMerger } from "../../kernel/language";
import type { Message } from "../../kernel/wire";
import type { WorkerEvent } from "../../kernel/rpc";

let k: KernelClient;
before(async () => {
  k = await KernelClient.start();
  await k.execute("1 + 1");
});
after(() => k.close());

/** Every iopub message of one execution with its arrival time at the client (Date.now()). */
async function arrivals(code: string): Promise<{ at: number; m: Message }[]> {
  const id = await k.startExecute(code);
  const seen = new Set<Message>();
  const out: { at: number; m: Message }[] = [];
  for (;;) {
    const m = await k.waitIopub((x) => x.parent_header.msg_id === id && !seen.has(x), 120_000);
    assert.ok(m, "the kernel went quiet for 120 s");
    seen.add(m);
    out.push({ at: Date.now(), m });
    if (m.header.msg_type === "status" && (m.content as { execution_state?: string }).execution_state === "idle") break;
  }
  await k.shellReply(id);
  return out;
}

test("console.log inside a blocking loop reaches the client before the loop prints again", async () => {
  const messages = await arrivals(`
for (let i = 0; i < 3; i++) {
  const until = Date.now() + 1500;
  while (Date.now() < until) { /* a blocking training step */ }
  console.log("printed at " + Date.now());
}`);
  const delays = messages.filter(({ m }) => m.header.msg_type === "stream")
    .flatMap(({ at, m }) => [...String((m.content as { text: string }).text).matchAll(/printed at (\d+)/g)].map((x) => at - Number(x[1])));
  assert.equal(delays.length, 3);
  // Held until the next print, a line would arrive ~1500 ms late.
  for (const delay of delays) assert.ok(delay < 1000, `a line arrived ${delay} ms after it was printed`);
});

test("a live curve in a blocking loop: its first point soon after the chart shows, then redraws while points keep coming", async () => {
  const messages = await arrivals(`
const curve = plot.live({ title: "Training loss" });
const started = Date.now();
for (let step = 0; Date.now() - started < 6000; step++) {
  const until = Date.now() + 16;
  while (Date.now() < until) { /* a training step */ }
  curve.push({ step, loss: Math.exp(-step / 300) });
}`);
  const shown = messages.find(({ m }) => m.header.msg_type === "display_data");
  const updates = messages.filter(({ m }) => m.header.msg_type === "update_display_data").map(({ at }) => at);
  assert.ok(shown && updates.length >= 3, `${updates.length} redraws`);
  assert.ok(updates[0]! - shown.at < 3000, `first point drawn ${updates[0]! - shown.at} ms after the chart showed`);
  // The last update is the final redraw after the loop; the ones before came while it ran.
  const whilePushing = updates.slice(0, -1);
  const gaps = whilePushing.slice(1).map((at, i) => at - whilePushing[i]!);
  assert.ok(Math.max(...gaps) < 4000, `redraw gaps ${gaps.join(", ")} ms`);
});

test("a live curve made in one cell and pushed to in an awaiting loop of the next: each redraw comes while the loop awaits, as the pushing cell's output", async () => {
  await k.execute('const awaited = plot.live({ title: "pushed later", budget: 1 });');
  // Pushes 0.4 s apart: each is drawn in the drawing thread and sent when its picture comes back during the await.
  const messages = await arrivals("for (let step = 1; step <= 4; step++) {\n  awaited.push({ step, loss: 1 / step });\n  await new Promise((r) => setTimeout(r, 400));\n}");
  // arrivals() keeps only this cell's messages: a redraw sent as the first cell's output would be missing.
  const updates = messages.filter(({ m }) => m.header.msg_type === "update_display_data").map(({ m }) => (m.content as { data: Record<string, unknown> }).data);
  const texts = updates.map((data) => String(data["text/plain"]));
  assert.ok(updates.length >= 4, `redraws: ${texts.join(" | ")}`);
  for (const step of [1, 2, 3]) assert.ok(texts.includes(`Live chart "pushed later": loss ${(1 / step).toPrecision(4)} at step ${step}`), `step ${step} was drawn while the loop ran: ${texts.join(" | ")}`);
  assert.ok(updates.every((data) => String(data["image/svg+xml"]).startsWith("<svg")));
  assert.match(String(updates.at(-1)!["image/png"]), /^iVBORw0KGgo/, "the final redraw carries the PNG");
});

test("StreamMerger: consecutive writes of one stream become one message; other output flushes first, so order is kept", async () => {
  const sent: WorkerEvent[] = [];
  const merger = new StreamMerger((e) => sent.push(e), 20);
  merger.push({ event: "stream", id: 1, name: "stdout", text: "a" });
  merger.push({ event: "stream", id: 1, name: "stdout", text: "b" });
  merger.push({ event: "stream", id: 1, name: "stderr", text: "c" });
  merger.push({ event: "display", id: 1, data: {} });
  merger.push({ event: "stream", id: 1, name: "stdout", text: "d" });
  assert.deepEqual(sent.map((e) => [e.event, e.text]), [["stream", "ab"], ["stream", "c"], ["display", undefined]]);
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(sent.map((e) => e.text ?? e.event), ["ab", "c", "display", "d"]);
});
