/** Shared benchmark helpers: medians, the PyTorch yardstick, table output. */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import * as path from "node:path";

export const PYTHON = "/usr/bin/python3";

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** True when Debian's python3-torch can run (the yardstick for every ratio). */
export function hasPyTorch(): boolean {
  if (!existsSync(PYTHON)) return false;
  try {
    execFileSync(PYTHON, ["-c", "import torch"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Runs a python script from bench/ and parses the JSON it prints last. */
export function runPython<T>(script: string, args: string[] = []): T {
  const file = path.join(__dirname, "..", "..", "bench", script);
  const out = execFileSync(PYTHON, [file, ...args], { encoding: "utf8", maxBuffer: 64 << 20 });
  const lines = out.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]) as T;
}

export function fmt(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}
