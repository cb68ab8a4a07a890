/**
 * kernel/code-cache.ts: a module loaded with V8's code cache (requireWithCodeCache), and every
 * module a worker requires (ModuleCodeCache, the runner's), each load in a fresh worker (a fresh V8
 * isolate, as each kernel start and reset is). The cache is used once saved, ignored when stale or
 * corrupt (it only ever costs speed), and a cache that cannot be written is no error and leaves no
 * temporary file; the library loaded from it computes the same numbers.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { cacheFileFor, KEPT_PER_NAME } from "../../kernel/code-cache";

const CODE_CACHE = path.join(__dirname, "..", "..", "kernel", "code-cache.js");
const root = mkdtempSync(path.join(os.tmpdir(), "nnlab-code-cache-"));
const moduleFile = path.join(root, "square.js");
writeFileSync(moduleFile, `exports.square = (x) => x * x;\n${"exports.pad = () => 0;\n".repeat(2000)}`);

/** Loads the module in a fresh worker, saves the cache, and reports what happened. */
function load(dir: string): Promise<{ fromCache: boolean; value: number }> {
  const code = `const { requireWithCodeCache } = require(${JSON.stringify(CODE_CACHE)});
    const m = requireWithCodeCache(${JSON.stringify(moduleFile)}, ${JSON.stringify(dir)});
    const value = m.exports.square(7);
    m.save();
    require("node:worker_threads").parentPort.postMessage({ fromCache: m.fromCache, value, same: require(${JSON.stringify(moduleFile)}) === m.exports });`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(code, { eval: true });
    worker.once("message", ({ same, ...m }: { fromCache: boolean; value: number; same: boolean }) => {
      assert.equal(same, true, "require() of the file gives the module loaded with the cache");
      void worker.terminate().then(() => resolve(m));
    });
    worker.once("error", reject);
  });
}

test("the first load compiles and saves; the next loads use the cache", async () => {
  const dir = path.join(root, "cache");
  assert.deepEqual(await load(dir), { fromCache: false, value: 49 });
  assert.deepEqual(await load(dir), { fromCache: true, value: 49 });
  assert.deepEqual(readdirSync(dir), [path.basename(cacheFileFor(moduleFile, dir))]);
});

test("a corrupt cache is rejected (and replaced); the module still loads", async () => {
  const dir = path.join(root, "corrupt");
  mkdirSync(dir);
  writeFileSync(cacheFileFor(moduleFile, dir), Buffer.alloc(4096, 7));
  assert.deepEqual(await load(dir), { fromCache: false, value: 49 });
  assert.deepEqual(await load(dir), { fromCache: true, value: 49 });
});

test("old cache files of the same name are pruned to the newest few when a new one is written; others stay", async () => {
  const dir = path.join(root, "pruned");
  mkdirSync(dir);
  const name = path.basename(moduleFile, ".js");
  const stale = Array.from({ length: KEPT_PER_NAME + 2 }, (_, i) => `${name}-${String(i).padStart(16, "0")}.v8cache`);
  const others = [`other-${"a".repeat(16)}.v8cache`, `${name}-notakey.v8cache`, "notes.txt"];
  [...stale, ...others].forEach((f, i) => {
    writeFileSync(path.join(dir, f), "old");
    utimesSync(path.join(dir, f), 1_000_000 + i, 1_000_000 + i); // stale[0] oldest
  });
  assert.deepEqual(await load(dir), { fromCache: false, value: 49 });
  const kept = stale.slice(-(KEPT_PER_NAME - 1)); // the newest old ones, with the new file
  assert.deepEqual(readdirSync(dir).sort(), [...kept, ...others, path.basename(cacheFileFor(moduleFile, dir))].sort());
  assert.deepEqual(await load(dir), { fromCache: true, value: 49 });
});

test("a cache that cannot be written is no error and leaves no temporary file", async () => {
  // The cache "folder" is a file: no one, root included, can write inside it.
  const dir = path.join(root, "not-a-folder");
  writeFileSync(dir, "");
  assert.deepEqual(await load(dir), { fromCache: false, value: 49 });
  assert.deepEqual(readdirSync(root).filter((f) => f.endsWith(".tmp")), []);
});

// ---- ModuleCodeCache: every module a worker requires, in one cache file -------------------------

const modules = path.join(root, "modules");
mkdirSync(modules);
const twice = path.join(modules, "twice.js");
// The entry starts with a hashbang (valid only at a script's start, which the module wrapper is not);
// dynamic.js calls import(), which a script from V8's cache cannot: Node compiles it.
writeFileSync(path.join(modules, "entry.js"), `#!/usr/bin/env node
const helper = require("./twice");
exports.value = helper.apply(21);
exports.resolved = require.resolve("./twice");
exports.cached = require.cache[require.resolve("./twice")].exports === helper;
exports.names = [__filename, __dirname, module.exports === exports, require.main === undefined];
exports.excluded = require("./excluded").kind;
exports.dynamic = require("./dynamic").imported;
`);
writeFileSync(path.join(modules, "dynamic.js"), `exports.imported = import("node:path").then((m) => typeof m.join);\n`);
const TWICE = (factor: number) => `exports.apply = (x) => x * ${factor};\n${"exports.pad = () => 0;\n".repeat(500)}`;
writeFileSync(twice, TWICE(2));
writeFileSync(path.join(modules, "excluded.js"), `exports.kind = "compiled by Node";\n`);

interface ModuleLoad { hits: number; misses: number; value: number; resolved: string; cached: boolean; names: unknown[]; excluded: string; dynamic: string }

/** Requires entry.js in a fresh worker with the module cache of `dir` (excluded.js left to Node), then saves it. */
function loadModules(dir: string): Promise<ModuleLoad> {
  const code = `const { ModuleCodeCache } = require(${JSON.stringify(CODE_CACHE)});
    const cache = ModuleCodeCache.install("test", (f) => f.startsWith(${JSON.stringify(modules)}) && !f.endsWith("excluded.js"), ${JSON.stringify(dir)});
    const entry = require(${JSON.stringify(path.join(modules, "entry.js"))});
    const counts = { hits: cache.hits, misses: cache.misses };
    cache.save();
    cache.uninstall();
    const { dynamic, ...values } = entry;
    dynamic.then((imported) => require("node:worker_threads").parentPort.postMessage({ ...counts, ...values, dynamic: imported }));`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(code, { eval: true });
    worker.once("message", (m: ModuleLoad) => void worker.terminate().then(() => resolve(m)));
    worker.once("error", reject);
  });
}

const expectedNames = [path.join(modules, "entry.js"), modules, true, true];

test("module cache: the first worker compiles and saves, the next one loads every module from the cache, with require as Node's", async () => {
  const dir = path.join(root, "modules-cache");
  const first = await loadModules(dir);
  assert.deepEqual(first, { hits: 0, misses: 2, value: 42, resolved: twice, cached: true, names: expectedNames, excluded: "compiled by Node", dynamic: "function" });
  assert.deepEqual({ ...await loadModules(dir) }, { ...first, hits: 2, misses: 0 });
  assert.equal(readdirSync(dir).length, 1, "one cache file, no temporary file left");
});

test("module cache: a changed file is compiled anew, even at the same length (which V8 alone would accept)", async () => {
  const dir = path.join(root, "modules-stale");
  await loadModules(dir);
  writeFileSync(twice, TWICE(3));
  const later = new Date(Date.now() + 5000);
  utimesSync(twice, later, later);
  try {
    const changed = await loadModules(dir);
    assert.deepEqual([changed.value, changed.hits, changed.misses], [63, 1, 1], "the new code runs; the unchanged entry still comes from the cache");
    assert.deepEqual([(await loadModules(dir)).value, (await loadModules(dir)).hits], [63, 2], "the cache is rewritten with the new code");
  } finally {
    writeFileSync(twice, TWICE(2));
  }
});

test("module cache: a corrupt cache file is an empty cache, replaced by the next save", async () => {
  const dir = path.join(root, "modules-corrupt");
  await loadModules(dir);
  const [file] = readdirSync(dir);
  writeFileSync(path.join(dir, file), Buffer.alloc(4096, 7));
  assert.deepEqual(await loadModules(dir), { hits: 0, misses: 2, value: 42, resolved: twice, cached: true, names: expectedNames, excluded: "compiled by Node", dynamic: "function" });
  assert.equal((await loadModules(dir)).hits, 2);
  // Entries whose data V8 rejects (truncated) compile as usual too.
  const blob = readFileSync(path.join(dir, file));
  const headerLength = blob.readUInt32LE(0);
  const header = JSON.parse(blob.subarray(4, 4 + headerLength).toString()) as { length: number }[];
  const body = blob.subarray(4 + headerLength).map((b, i) => (i % 7 === 0 ? b ^ 0xff : b));
  writeFileSync(path.join(dir, file), Buffer.concat([blob.subarray(0, 4 + headerLength), body]));
  assert.equal(header.length, 2);
  assert.deepEqual(await loadModules(dir), { hits: 0, misses: 2, value: 42, resolved: twice, cached: true, names: expectedNames, excluded: "compiled by Node", dynamic: "function" });
});

test("module cache: a cache that cannot be written is no error and leaves no temporary file", async () => {
  const dir = path.join(root, "modules-not-a-folder");
  writeFileSync(dir, "");
  assert.equal((await loadModules(dir)).value, 42);
  assert.equal((await loadModules(dir)).misses, 2);
  assert.deepEqual(readdirSync(root).filter((f) => f.endsWith(".tmp")), []);
});

test("the runner's library loaded from the module cache computes as the compiled one", async () => {
  const dir = path.join(root, "library");
  const LIBRARY = path.join(__dirname, "..", "..", "lib", "index.js");
  const code = `const { ModuleCodeCache } = require(${JSON.stringify(CODE_CACHE)});
    const { isLibraryFile } = require(${JSON.stringify(path.join(__dirname, "..", "..", "kernel", "runner-modules.js"))});
    const cache = ModuleCodeCache.install("library-test", isLibraryFile, ${JSON.stringify(dir)});
    const { torch, nn } = require(${JSON.stringify(LIBRARY)});
    torch.ready().then(() => {
      torch.manualSeed(3);
      const y = new nn.Linear(4, 3)(torch.randn([2, 4])).relu().sum().item();
      const counts = { hits: cache.hits, misses: cache.misses };
      cache.save();
      require("node:worker_threads").parentPort.postMessage({ ...counts, y });
    });`;
  const run = () => new Promise<{ hits: number; misses: number; y: number }>((resolve, reject) => {
    const worker = new Worker(code, { eval: true, env: { ...process.env, NNLAB_THREADS: "1" } });
    worker.once("message", (m: { hits: number; misses: number; y: number }) => void worker.terminate().then(() => resolve(m)));
    worker.once("error", reject);
  });
  const compiled = await run();
  const cached = await run();
  assert.ok(compiled.misses > 50 && compiled.hits === 0, `the first load compiles the library's modules (${compiled.misses})`);
  assert.deepEqual([cached.hits, cached.misses], [compiled.misses, 0], "the second load takes every one from the cache");
  assert.equal(cached.y, compiled.y);
});
