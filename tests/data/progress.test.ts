import { test } from "node:test";
import assert from "node:assert/strict";
import { getDisplaySink, setDisplaySink, type MimeBundle } from "../../lib/display/protocol";
import { enumerate, formatDuration, formatProgress, progress } from "../../lib/data";

test("formatProgress: done/total, percent, bar, elapsed<ETA, rate", () => {
  assert.equal(formatProgress({ done: 300, total: 938, elapsed: 4.4, desc: "epoch 1" }), "epoch 1:  31%|██████▍             | 300/938 [00:04<00:09, 68.18 it/s]");
  assert.equal(formatProgress({ done: 938, total: 938, elapsed: 25.1 }), "100%|████████████████████| 938/938 [00:25<00:00, 37.37 it/s]");
  assert.equal(formatProgress({ done: 0, total: 938, elapsed: 0 }), "  0%|                    | 0/938 [00:00<?, 0.00 it/s]");
  assert.equal(formatProgress({ done: 5, total: undefined, elapsed: 10 }), "5 it [00:10, 2.00 s/it]");
  assert.equal(formatDuration(3725.4), "1:02:05");
  assert.equal(formatDuration(59.6), "01:00");
});

/** Runs `body` with a display sink that records what a notebook would receive. */
function inNotebook(body: () => void): { displays: MimeBundle[]; updates: MimeBundle[]; ids: Set<string> } {
  const seen = { displays: [] as MimeBundle[], updates: [] as MimeBundle[], ids: new Set<string>() };
  const previous = getDisplaySink();
  setDisplaySink({
    display(bundle, _m, id) { seen.displays.push(bundle); seen.ids.add(String(id)); },
    update(bundle, _m, id) { seen.updates.push(bundle); seen.ids.add(id); },
    clear() {},
  });
  try { body(); } finally { setDisplaySink(previous); }
  return seen;
}

test("in a notebook the bar is one output redrawn in place, ending at total/total; the items pass through", () => {
  const items: [number, string][] = [];
  const seen = inNotebook(() => {
    for (const item of enumerate(progress(["a", "b", "c"], { desc: "demo", interval: 0 }))) items.push(item);
  });
  assert.deepEqual(items, [[0, "a"], [1, "b"], [2, "c"]]);
  assert.equal(seen.displays.length, 1);
  assert.equal(seen.ids.size, 1);
  assert.match(String(seen.displays[0]["text/plain"]), /^demo:   0%\|\s+\| 0\/3 \[00:00</);
  const last = seen.updates[seen.updates.length - 1];
  assert.match(String(last["text/plain"]), /^demo: 100%\|█{20}\| 3\/3 \[00:00<00:00, /);
  assert.match(String(last["text/html"]), /<progress value="3" max="3"/);
});

test("quiet shows nothing; the total comes from the iterable's length", () => {
  const seen = inNotebook(() => {
    const bar = progress(Object.assign([1, 2], { length: 2 }), { quiet: true });
    assert.equal(bar.total, 2);
    assert.deepEqual([...bar], [1, 2]);
  });
  assert.equal(seen.displays.length + seen.updates.length, 0);
  assert.throws(() => progress([1], { total: -1 }), { name: "ValueError", message: "progress: total must be a whole number >= 0, got -1" });
});
