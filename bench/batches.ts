/**
 * Where the lecture's CNN epoch spends its time, batch by batch: CPU ms per batch (all threads)
 * of the real-MNIST training pass in buckets (batches 1-100, 101-300, 301-938), the part of it
 * spent in the DataLoader, the test pass per batch, and the wasm heap's size, all in one process.
 * Then the step benchmark's loop (the same batch again, no DataLoader) in the same process, and per
 * phase the CPU time of each thread and minor page faults, and V8's garbage collections in the training pass.
 * `node dist/bench/batches.js` (not part of `npm run bench`: it has no yardstick); NNLAB_BATCHES=n
 * trains on n batches only; NNLAB_MARK=1 prints the phases' times for a --cpu-prof profile.
 */
import * as fs from "node:fs";
import * as tf from "@tensorflow/tfjs-core";
import { torch, nn, optim, Tensor } from "../lib/index";
import { datasets, transforms, DataLoader } from "../lib/data";
import { Net } from "../lib/train";
import { withGradMode } from "../lib/tensor/autograd";
import * as ops from "../lib/ops";

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

function heapMB(): number {
  const b = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return (b.wasm?.HEAPU8?.buffer.byteLength ?? 0) / 2 ** 20;
}

/** CPU ms of each of this process's threads by name (Linux's /proc; empty elsewhere). */
function threadCpu(): Map<string, number> {
  const out = new Map<string, number>();
  try {
    for (const tid of fs.readdirSync("/proc/self/task")) {
      const name = fs.readFileSync(`/proc/self/task/${tid}/comm`, "utf8").trim();
      const fields = fs.readFileSync(`/proc/self/task/${tid}/stat`, "utf8").split(") ")[1].split(" ");
      const key = tid === String(process.pid) ? "main" : name;
      out.set(key, (out.get(key) ?? 0) + (Number(fields[11]) + Number(fields[12])) * 10);
    }
  } catch {
    // not Linux
  }
  return out;
}

/** Per thread name, CPU ms per batch between two threadCpu() readings. */
function threadShare(before: Map<string, number>, after: Map<string, number>, batches: number): string {
  return [...after].map(([k, v]) => [k, (v - (before.get(k) ?? 0)) / batches] as const).filter(([, v]) => v > 0.05)
    .map(([k, v]) => `${k} ${v.toFixed(2)}`).join(", ");
}

/** Prints the monotonic clock in µs (a --cpu-prof profile's time base) with NNLAB_MARK=1. */
function mark(what: string): void {
  if (process.env["NNLAB_MARK"]) console.log(`mark ${what} ${process.hrtime.bigint() / 1000n}`);
}

/** Train on this many batches only (NNLAB_BATCHES), for quick comparisons. */
const LIMIT = Number(process.env["NNLAB_BATCHES"] ?? Infinity);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

export async function run(): Promise<Record<string, number>> {
  const info = await torch.ready();
  torch.manualSeed(0);
  const startHeap = heapMB();
  const transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.1307], [0.3081])]);
  const trainLoader = new DataLoader(datasets.MNIST({ train: true, transform }), { batchSize: 64, shuffle: true });
  const testLoader = new DataLoader(datasets.MNIST({ train: false, transform }), { batchSize: 64, shuffle: false });
  const model = new Net();
  const criterion = new nn.CrossEntropyLoss();
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.5 });
  const batch: number[] = [];
  const data: number[] = [];
  const heap: number[] = [];
  const gcs = { major: 0, minor: 0, majorMs: 0, minorMs: 0 };
  const { PerformanceObserver, constants } = await import("node:perf_hooks");
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const major = (e as unknown as { detail: { kind: number } }).detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR;
      gcs[major ? "major" : "minor"]++;
      gcs[major ? "majorMs" : "minorMs"] += e.duration;
    }
  });
  observer.observe({ entryTypes: ["gc"] });
  const faults0 = process.resourceUsage().minorPageFault;
  const threads0 = threadCpu();
  let [threads100, threads300] = [threads0, threads0];
  const [w0, c0] = [performance.now(), cpuMs()];
  const it = trainLoader[Symbol.asyncIterator]();
  for (;;) {
    const a = cpuMs();
    const next = await it.next();
    const b = cpuMs();
    if (next.done) break;
    const [inputs, target] = next.value;
    optimizer.zeroGrad();
    const loss = criterion(model(inputs), target);
    loss.backward();
    optimizer.step();
    loss.item();
    const c = cpuMs();
    batch.push(c - a);
    data.push(b - a);
    heap.push(heapMB());
    if (batch.length === LIMIT) break;
    if (batch.length === 100) threads100 = threadCpu();
    if (batch.length === 300) {
      mark("batch 300");
      threads300 = threadCpu();
    }
  }
  const [w1, c1] = [performance.now(), cpuMs()];
  const heapEnd = heapMB();
  mark("epoch end");
  await new Promise<void>((resolve) => setImmediate(resolve));
  console.log(`training pass: ${process.resourceUsage().minorPageFault - faults0} minor page faults; GCs: ${JSON.stringify(gcs)}`);
  const threadsEnd = threadCpu();
  const test: number[] = [];
  let correct = 0;
  await withGradMode(false, async () => {
    let a = cpuMs();
    for await (const [inputs, target] of testLoader) {
      const [, predicted] = ops.max(model(inputs).data, 1);
      correct += predicted.eq(target).sum().item();
      const c = cpuMs();
      test.push(c - a);
      a = c;
    }
  });
  const [w2, c2] = [performance.now(), cpuMs()];
  observer.disconnect();
  // The step benchmark's loop in the same process: the same batch again and again, no DataLoader.
  const [inputs, target] = (await trainLoader[Symbol.asyncIterator]().next()).value as [Tensor, Tensor];
  const fixed: number[] = [];
  mark("fixed start");
  const faults1 = process.resourceUsage().minorPageFault;
  const threadsFixed = threadCpu();
  for (let i = 0; i < Math.min(300, batch.length); i++) {
    const a = cpuMs();
    optimizer.zeroGrad();
    const loss = criterion(model(inputs), target);
    loss.backward();
    optimizer.step();
    loss.item();
    fixed.push(cpuMs() - a);
  }
  mark("fixed end");
  console.log(`the same batch again: ${process.resourceUsage().minorPageFault - faults1} minor page faults`);
  console.log(`CPU ms per batch by thread: batches 1-100: ${threadShare(threads0, threads100, 100)}; batches 301-: ${threadShare(threads300, threadsEnd, batch.length - 300)}; the same batch again: ${threadShare(threadsFixed, threadCpu(), fixed.length)}`);
  const out: Record<string, number> = {
    threads: info.threads,
    "train wall s": (w1 - w0) / 1000,
    "train cpu s": (c1 - c0) / 1000,
    "test wall s": (w2 - w1) / 1000,
    "test cpu s": (c2 - c1) / 1000,
    "batches 1-100 cpu ms (mean)": mean(batch.slice(0, 100)),
    "batches 101-300 cpu ms (mean)": mean(batch.slice(100, 300)),
    "batches 301- cpu ms (mean)": mean(batch.slice(300)),
    "batches 301- cpu ms (median)": median(batch.slice(300)),
    "same batch again, step cpu ms (mean)": mean(fixed),
    "same batch again, step cpu ms (median)": median(fixed),
    "loader share 1-100 cpu ms": mean(data.slice(0, 100)),
    "loader share 301- cpu ms": mean(data.slice(300)),
    "test batch cpu ms (mean)": mean(test),
    "accuracy %": (100 * correct) / 10000,
  };
  const buckets = [0, 10, 25, 50, 75, 100, 150, 200, 300].map((s, i, a) => `${s + 1}-${a[i + 1] ?? batch.length}: ${mean(batch.slice(s, a[i + 1] ?? batch.length)).toFixed(1)}`);
  console.log(`cpu ms per batch by batches: ${buckets.join(", ")}`);
  const heapAt = (b: number): string => (heap[Math.min(b, heap.length) - 1] ?? 0).toFixed(0);
  console.log(`heap MB: start ${startHeap.toFixed(0)}, after 50 ${heapAt(50)}, 100 ${heapAt(100)}, 200 ${heapAt(200)}, 300 ${heapAt(300)}, end of the training pass ${heapEnd.toFixed(0)}`);
  for (const [k, v] of Object.entries(out)) console.log(`batches: ${k.padEnd(34)} ${Number.isInteger(v) ? v : v.toFixed(2)}`);
  return out;
}

if (require.main === module) run().then(() => process.exit(0));
