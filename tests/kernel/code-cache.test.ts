/**
 * kernel/code-cache.ts: a module loaded with V8's code cache, each load in a fresh worker (a
 * fresh V8 isolate, as each kernel start is). The cache is used once saved, ignored when stale or
 * corrupt, and a cache that cannot be written is no error and leaves no temporary file.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { cacheFileFor } from "../../kernel/code-cache";

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

test("a cache that cannot be written is no error and leaves no temporary file", async () => {
  // The cache "folder" is a file: no one, root included, can write inside it.
  const dir = path.join(root, "not-a-folder");
  writeFileSync(dir, "");
  assert.deepEqual(await load(dir), { fromCache: false, value: 49 });
  assert.deepEqual(readdirSync(root).filter((f) => f.endsWith(".tmp")), []);
});
