import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { backendInfo, backendNotes, initBackend, shutdownBackend } from "../../lib/backend";
import { maxAbsDiff, random, runOn } from "./parity";

const backendModule = path.join(__dirname, "../../lib/backend");
delete process.env["NNLAB_BACKEND"];
delete process.env["NNLAB_THREADS"];

/** Runs a script with `node` in a fresh process. */
function runScript(script: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 30_000, env: { ...process.env, ...env } });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `script` with a fake @tensorflow/tfjs-node (index.js = `source`) found through NODE_PATH. */
function runWithFakeTfjsNode(source: string, script: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nnlab-fake-tfjs-node-"));
  try {
    const pkg = path.join(dir, "@tensorflow", "tfjs-node");
    fs.mkdirSync(pkg, { recursive: true });
    fs.writeFileSync(path.join(pkg, "index.js"), source);
    return runScript(script, { NODE_PATH: dir });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const trainStepScript = (init: string) => `
const tf = require(${JSON.stringify(require.resolve("@tensorflow/tfjs-core"))});
const { initBackend, backendNotes } = require(${JSON.stringify(backendModule)});
initBackend(${init}).then((info) => {
  const x = tf.ones([2, 8, 8, 3]), dy = tf.ones([2, 6, 6, 4]);
  const dw = tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, { strides: 1, pad: "valid", dataFormat: "NHWC", filterShape: [3, 3, 3, 4] });
  console.log(JSON.stringify({ info, first: dw.dataSync()[0], notes: backendNotes() }));
});`;

test("backendInfo before initBackend says how to start one", () => {
  assert.throws(() => backendInfo(), { name: "BackendError", message: "no backend started yet: call `await torch.ready()` first" });
});

test("auto picks wasm when tfjs-node is not installed, with one thread per core", async () => {
  const info = await initBackend();
  assert.deepEqual(info, { name: "wasm", cuda: false, threads: os.availableParallelism() });
  assert.deepEqual(backendInfo(), info);
  assert.equal(tf.getBackend(), "wasm");
  assert.ok(backendNotes().some((n) => n.startsWith("@tensorflow/tfjs-node-gpu: Cannot find module")), backendNotes().join("\n"));
});

test("initBackend after switching tfjs to cpu returns to the same wasm backend, keeping its tensors", async () => {
  const kept = tf.tensor([1, 2, 3]);
  await tf.setBackend("cpu");
  const [a, b] = await Promise.all([initBackend(), initBackend()]);
  assert.equal(a, b);
  assert.equal(tf.getBackend(), "wasm");
  assert.deepEqual(Array.from(kept.dataSync()), [1, 2, 3]);
  kept.dispose();
});

test("1 and 2 wasm threads (plain and shared heap) compute the same gradients", async () => {
  const conv = { x: random([8, 12, 12, 10], 1), dy: random([8, 8, 8, 20], 2) };
  const convAttrs = { strides: 1, pad: "valid", dataFormat: "NHWC", filterShape: [5, 5, 10, 20] };
  const pool = { dy: random([4, 6, 6, 10], 3), input: random([4, 12, 12, 10], 4), output: random([4, 6, 6, 10], 5) };
  const poolAttrs = { filterSize: 2, strides: 2, pad: "valid" };
  const runs = [];
  for (const threads of [1, 2]) {
    assert.equal((await initBackend({ prefer: "wasm", threads })).threads, threads);
    runs.push([await runOn("wasm", "Conv2DBackpropFilter", conv, convAttrs), await runOn("wasm", "MaxPoolGrad", pool, poolAttrs)]);
  }
  const cpu = [await runOn("cpu", "Conv2DBackpropFilter", conv, convAttrs), await runOn("cpu", "MaxPoolGrad", pool, poolAttrs)];
  for (const run of runs) {
    assert.ok(maxAbsDiff(run[0].values, cpu[0].values) < 1e-4);
    assert.equal(maxAbsDiff(run[1].values, cpu[1].values), 0);
  }
  shutdownBackend();
});

test("an explicit preference that cannot be met is an error naming the package", async () => {
  await assert.rejects(initBackend({ prefer: "tensorflow" }), {
    name: "BackendError",
    message: /^tensorflow backend unavailable \(@tensorflow\/tfjs-node: Cannot find module '@tensorflow\/tfjs-node'.*\); install it or unset NNLAB_BACKEND \/ prefer$/,
  });
});

test("NNLAB_BACKEND overrides prefer, and a bad value lists the good ones", async () => {
  process.env["NNLAB_BACKEND"] = "cpu";
  try {
    assert.deepEqual(await initBackend({ prefer: "wasm" }), { name: "cpu", cuda: false, threads: 1 });
    process.env["NNLAB_BACKEND"] = "gpu";
    await assert.rejects(initBackend(), { name: "BackendError", message: "NNLAB_BACKEND is 'gpu'; use one of auto, cuda, tensorflow, wasm, cpu" });
  } finally {
    delete process.env["NNLAB_BACKEND"];
delete process.env["NNLAB_THREADS"];
  }
});

test("NNLAB_THREADS overrides threads, and a bad value is named", async () => {
  process.env["NNLAB_THREADS"] = "1";
  try {
    assert.deepEqual(await initBackend({ prefer: "wasm", threads: 2 }), { name: "wasm", cuda: false, threads: 1 });
    process.env["NNLAB_THREADS"] = "two";
    await assert.rejects(initBackend(), { name: "BackendError", message: "NNLAB_THREADS must be a whole number >= 1, got 'two'" });
    delete process.env["NNLAB_THREADS"];
    await assert.rejects(initBackend({ threads: 0 }), { name: "BackendError", message: "threads must be a whole number >= 1, got 0" });
  } finally {
    delete process.env["NNLAB_THREADS"];
    shutdownBackend();
  }
});

test("a script using 2 wasm threads prints nothing on stderr and exits by itself", () => {
  const r = runScript(trainStepScript("{ threads: 2 }"));
  assert.equal(r.stderr, "");
  assert.equal(r.signal, null, "killed by the timeout: the worker threads kept the process alive");
  assert.equal(r.status, 0);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.info, { name: "wasm", cuda: false, threads: 2 });
  assert.equal(out.first, 72); // 2 images x 6 x 6 positions of 1 * 1
});

test("a tfjs-node whose native part fails to load is passed over silently", () => {
  const r = runWithFakeTfjsNode(`throw new Error("libtensorflow.so.2: cannot open shared object file");`, trainStepScript(""));
  assert.equal(r.stderr, "");
  assert.equal(r.status, 0);
  const out = JSON.parse(r.stdout);
  assert.equal(out.info.name, "wasm");
  assert.ok(out.notes.includes("@tensorflow/tfjs-node: libtensorflow.so.2: cannot open shared object file"), out.notes.join("\n"));
});

test("a working tfjs-node is preferred to wasm", () => {
  // Stands in for tfjs-node: a 'tensorflow' backend made of the cpu backend's kernels.
  const fake = `
const tf = require(${JSON.stringify(require.resolve("@tensorflow/tfjs-core"))});
const cpu = require(${JSON.stringify(require.resolve("@tensorflow/tfjs-backend-cpu"))});
for (const k of tf.getKernelsForBackend("cpu")) tf.registerKernel({ ...k, backendName: "tensorflow" });
tf.registerBackend("tensorflow", () => new cpu.MathBackendCPU(), 3);`;
  const r = runWithFakeTfjsNode(fake, trainStepScript(""));
  assert.equal(r.stderr, "");
  assert.equal(r.status, 0);
  assert.deepEqual(JSON.parse(r.stdout).info, { name: "tensorflow", cuda: false, threads: os.availableParallelism() });
});
