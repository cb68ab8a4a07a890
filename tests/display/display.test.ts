import { test } from "node:test";
import assert from "node:assert/strict";
import { display, clearOutput } from "../../lib/display/display";
import { setDisplaySink, consoleSink } from "../../lib/display/protocol";
import { recordingSink } from "./pngTools";

function withSink(run: (sent: ReturnType<typeof recordingSink>["sent"]) => void): void {
  const { sink, sent } = recordingSink();
  setDisplaySink(sink);
  try { run(sent); } finally { setDisplaySink(consoleSink); }
}

test("display sends one display_data with a random 32-hex-digit id", () => withSink((sent) => {
  const a = display("hello"), b = display(42);
  assert.match(a.displayId, /^[0-9a-f]{32}$/);
  assert.notEqual(a.displayId, b.displayId);
  assert.deepEqual(sent, [
    { kind: "display", data: { "text/plain": "hello" }, metadata: {}, displayId: a.displayId },
    { kind: "display", data: { "text/plain": "42" }, metadata: {}, displayId: b.displayId },
  ]);
}));

test("handle.update and handle.clear replace the same output in place", () => withSink((sent) => {
  const handle = display.html("<b>epoch 1</b>");
  handle.update("epoch 2");
  handle.clear();
  assert.deepEqual(sent.map((m) => [m.kind, m.displayId]), [["display", handle.displayId], ["update", handle.displayId], ["update", handle.displayId]]);
  assert.deepEqual(sent[0]!.data, { "text/html": "<b>epoch 1</b>", "text/plain": "epoch 1" });
  assert.deepEqual(sent[1]!.data, { "text/plain": "epoch 2" });
  assert.deepEqual(sent[2]!.data, { "text/plain": "" });
}));

test("a given displayId is reused", () => withSink((sent) => {
  assert.equal(display("x", { displayId: "abc" }).displayId, "abc");
  assert.equal(sent[0]!.displayId, "abc");
}));

test("clearOutput passes wait through to the sink", () => withSink((sent) => {
  clearOutput();
  clearOutput(true);
  assert.deepEqual(sent, [{ kind: "clear", wait: false }, { kind: "clear", wait: true }]);
}));

test("display shortcuts send their MIME type", () => withSink((sent) => {
  display.markdown("# Title");
  display.json({ a: [1, 2] });
  display.svg('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="20"></svg>');
  assert.deepEqual(sent.map((m) => Object.keys(m.data!).sort()), [
    ["text/markdown", "text/plain"], ["application/json", "text/plain"], ["image/svg+xml", "text/plain"],
  ]);
  assert.deepEqual(sent[1]!.data!["application/json"], { a: [1, 2] });
  assert.equal(sent[1]!.data!["text/plain"], "{ a: [ 1, 2 ] }");
  assert.equal(sent[2]!.data!["text/plain"], "SVG image 10×20");
}));
