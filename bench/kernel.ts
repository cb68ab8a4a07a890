/**
 * Kernel latency, over the wire, for nnlab, tslab 1.0.22 and ipykernel measured in the same run:
 * start to first kernel_info_reply, start to first cell done (nnlab preloads the library first),
 * a trivial cell's round trip and a completion's round trip (medians), and the kernel process's
 * resident memory once idle after one of the lecture's cells (max pooling, as the hub test runs).
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { KernelClient } from "../tests/kernel/client";

interface Contender {
  name: string;
  argv?: (connectionFile: string) => string[];
  completion: { code: string };
  /** The lecture's max-pooling cell in the contender's language, before the idle memory is read. */
  lectureCell: string;
  available: () => boolean;
}

const ROOT = path.resolve(__dirname, "..", "..");
const PYTHON = process.env.NNLAB_PYTHON ?? "/usr/bin/python3";

const contenders: Contender[] = [
  { name: "nnlab", completion: { code: "torch.zer" }, lectureCell: "F.maxPool2d(torch.arange(16).reshape(1, 1, 4, 4).float(), 2)", available: () => true },
  {
    name: "tslab",
    argv: (file) => [process.execPath, path.join(ROOT, "node_modules", "tslab", "bin", "tslab"), "kernel", "--config-path", file],
    completion: { code: "Math.ab" },
    lectureCell: "Math.max(...[1, 2, 3])",
    available: () => true,
  },
  {
    name: "ipykernel",
    argv: (file) => [PYTHON, "-m", "ipykernel_launcher", "-f", file],
    completion: { code: "import math; math.fa" },
    lectureCell: "import torch; torch.nn.functional.max_pool2d(torch.arange(16.).reshape(1, 1, 4, 4), 2)",
    available: () => spawnSync(PYTHON, ["-c", "import ipykernel"]).status === 0,
  },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timed(f: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await f();
  return performance.now() - t;
}

/** A process's resident memory in MB (/proc/PID/status VmRSS). */
function residentMb(pid: number): number {
  return Math.round(Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024);
}

/** How long a kernel may take to answer one request before its measurement fails (instead of hanging the bench). */
const ANSWER_MS = 60_000;

function answered<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer to ${what} within ${ANSWER_MS / 1000} s`)), ANSWER_MS);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

async function measure(c: Contender, rounds: number): Promise<Record<string, number>> {
  const starts: number[] = [];
  const firstCells: number[] = [];
  let kernel: KernelClient | undefined;
  try {
    for (let i = 0; i < rounds; i++) {
      const t = performance.now();
      kernel = await KernelClient.start(undefined, c.argv);
      starts.push(kernel.firstReplyMs);
      await answered(kernel.execute("1 + 1"), "the first cell");
      firstCells.push(performance.now() - t);
      if (i < rounds - 1) {
        await kernel.close();
        kernel = undefined;
      }
    }
    const k = kernel!;
    const cells: number[] = [];
    const completions: number[] = [];
    for (let i = 0; i < 15; i++) {
      cells.push(await timed(() => answered(k.execute("1 + 1"), "a trivial cell")));
      completions.push(await timed(() => answered(k.request("shell", "complete_request", { code: c.completion.code, cursor_pos: c.completion.code.length }), "a complete_request")));
    }
    await answered(k.execute(c.lectureCell), "the lecture cell");
    // Idle: a moment for the workers to settle, as a student's kernel sits between cells.
    await new Promise((r) => setTimeout(r, 2000));
    const idleMb = residentMb(k.proc.pid!);
    return {
      [`${c.name} start to kernel_info_reply (ms)`]: Math.round(median(starts)),
      [`${c.name} start to first cell done (ms)`]: Math.round(median(firstCells)),
      [`${c.name} trivial cell round trip (ms)`]: Number(median(cells).toFixed(1)),
      [`${c.name} completion round trip (ms)`]: Number(median(completions).toFixed(1)),
      [`${c.name} idle RSS after a lecture cell (MB)`]: idleMb,
    };
  } finally {
    await kernel?.close();
  }
}

export async function run(): Promise<Record<string, number | string>> {
  const results: Record<string, number | string> = {};
  for (const c of contenders) {
    if (!c.available()) {
      results[`${c.name}`] = "not installed";
      continue;
    }
    let r: Record<string, number>;
    try {
      r = await measure(c, 3);
    } catch (e) {
      // A yardstick that failed or stopped answering (tslab once never answered at start, after an error binding its sockets) is
      // reported and the others are still measured; nnlab's own failure fails the bench.
      if (c.name === "nnlab") throw e;
      results[`${c.name}`] = `failed: ${(e as Error).message}`;
      console.log(`${c.name.padEnd(48)} ${results[c.name]}`);
      continue;
    }
    for (const [key, value] of Object.entries(r)) console.log(`${key.padEnd(48)} ${value}`);
    Object.assign(results, r);
  }
  return results;
}

if (require.main === module) run().catch((e) => { console.error(e); process.exit(1); });
