// The package's two entries, run as a user runs them: real Node processes in a folder where
// "nnlab" resolves by name. An ES module that imports nnlab computes at once (its entry awaits
// the backend); a CommonJS script that forgets `await torch.ready()` gets nnlab's advice.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { packageFolder } from "../helpers/packageFolder";

const run = promisify(execFile);

async function script(name: string, source: string): Promise<Record<string, unknown>> {
  const dir = packageFolder("nnlab-entry-");
  writeFileSync(path.join(dir, name), source);
  const { stdout } = await run(process.execPath, [name], { cwd: dir, env: { ...process.env, NNLAB_THREADS: "1" } });
  return JSON.parse(stdout) as Record<string, unknown>;
}

test("import { torch } from \"nnlab\" computes with no start-up call; require() in the same program gets the same library", async () => {
  const out = await script("train.mjs", `
import { torch, nn } from "nnlab";
import * as everything from "nnlab";
import { createRequire } from "node:module";
const x = torch.tensor([[1, 2], [3, 4]]);
const y = new nn.Linear(2, 1)(x.float());
const cjs = createRequire(import.meta.url)("nnlab");
const missing = Object.keys(cjs).filter((name) => !(name in everything));
console.log(JSON.stringify({ sum: x.sum().item(), shape: [...y.shape], backend: torch.backendInfo().name,
  same: cjs.torch === torch && cjs.nn === nn, missing }));
`);
  assert.deepEqual(out, { sum: 10, shape: [2, 1], backend: "wasm", same: true, missing: [] });
});

test("require(\"nnlab\"): a tensor made before the backend runs gets an error naming await torch.ready(); after it, tensors work", async () => {
  const out = await script("train.cjs", `
const { torch } = require("nnlab");
const failure = (fn) => { try { fn(); return null; } catch (e) { return e.name + ": " + e.message; } };
const early = failure(() => torch.tensor([1, 2]));
const info = failure(() => torch.backendInfo());
torch.ready().then(() => console.log(JSON.stringify({ early, info, sum: torch.tensor([1, 2]).sum().item() })));
`);
  assert.deepEqual(out, {
    early: "BackendError: no compute backend is running yet: call `await torch.ready()` once before making tensors " +
      '(`import { torch } from "nnlab"` in an ES module does it for you)',
    info: "BackendError: no backend started yet: call `await torch.ready()` first",
    sum: 3,
  });
});
