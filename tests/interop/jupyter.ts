/**
 * Real Jupyter clients for interop tests: found on PATH (Debian's apt packages in CI). Each test
 * suite gets its own JUPYTER_DATA_DIR with this kernel installed by `nnlab install --user`.
 * Without Jupyter the tests skip themselves, except under CI=true, where that is a failure.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { TestContext } from "node:test";

export const CLI = path.resolve(__dirname, "..", "..", "kernel", "cli.js");
export const PYTHON = process.env.NNLAB_PYTHON ?? "/usr/bin/python3";

export function hasJupyter(): boolean {
  return spawnSync("jupyter", ["--version"], { encoding: "utf8" }).status === 0;
}

/** Skips the test when a client is missing; in CI a missing client fails it instead. */
export function requireClient(t: TestContext, available: boolean, what: string): boolean {
  if (available) return true;
  if (process.env.CI === "true") throw new Error(`${what} is missing, and CI=true: install it (see .ci/run) rather than skipping`);
  t.skip(`${what} is not installed`);
  return false;
}

/** An environment whose Jupyter data dir holds only this kernel's spec. */
export function jupyterEnv(): NodeJS.ProcessEnv {
  const root = mkdtempSync(path.join(os.tmpdir(), "nnlab-jupyter-"));
  const env = {
    ...process.env,
    JUPYTER_DATA_DIR: path.join(root, "data"),
    JUPYTER_CONFIG_DIR: path.join(root, "config"),
    JUPYTER_RUNTIME_DIR: path.join(root, "runtime"),
    JUPYTER_PLATFORM_DIRS: "0",
  };
  const install = spawnSync(process.execPath, [CLI, "install", "--user"], { env, encoding: "utf8" });
  if (install.status !== 0) throw new Error(`nnlab install --user failed: ${install.stderr}`);
  return env;
}

export function notebook(cells: string[]): string {
  return JSON.stringify({
    nbformat: 4, nbformat_minor: 5,
    metadata: { kernelspec: { name: "nnlab", display_name: "TypeScript (nnlab)", language: "typescript" } },
    cells: cells.map((source, i) => ({ id: `cell-${i}`, cell_type: "code", metadata: {}, execution_count: null, outputs: [], source })),
  }, null, 1);
}
