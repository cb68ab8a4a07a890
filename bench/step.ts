/**
 * ms per training step of the lecture's Net and of the fully connected net (batch 64, SGD lr 0.01
 * momentum 0.5), with PyTorch as the yardstick. On a shared machine the load changes from second to
 * second, so nnlab's runs alternate with PyTorch's (one process each, both warm) and every run of
 * nnlab is divided by the PyTorch run next to it: the ratio is the median of those, and the range
 * of them is the noise of this run. CPU time per step (all threads) is reported beside: it moves
 * far less with the load, and tells how much work each side does.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import readline from "node:readline";
import { torch, nn, optim } from "../lib/index";
import type { Module } from "../lib/nn/module";
import { FullyConnectedNet, Net } from "../lib/train";
import { fmt, hasPyTorch, median, PYTHON } from "./util";

const STEPS = 20;
const RUNS = 15;
/**
 * Steps before timing, the same for both. nnlab frees tensor memory through the garbage collector
 * (lib/tensor/memory.ts), so its wasm heap grows for the first ~100-150 steps and every new page
 * costs a fault (CPU per CNN step 34, 26, 24, 13, then ~9.5 ms over runs of 30 steps); the epoch
 * benchmark keeps that cost, this one measures the steady state.
 */
const WARMUP = 150;

type NetName = "cnn" | "fc";

export function stepper(model: Module): () => number {
  const criterion = new nn.CrossEntropyLoss();
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.5 });
  const inputs = torch.randn(64, 1, 28, 28);
  const target = torch.tensor(Array.from({ length: 64 }, (_, i) => (i * 7) % 10));
  return () => {
    optimizer.zeroGrad();
    const loss = criterion(model(inputs), target);
    loss.backward();
    optimizer.step();
    return loss.item(); // reads back, as the lecture's running loss does
  };
}

interface Timing {
  wall: number;
  cpu: number;
}

export function timeSteps(step: () => number, steps: number): Timing {
  const [t0, c0] = [performance.now(), process.cpuUsage()];
  for (let i = 0; i < steps; i++) step();
  const cpu = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) / steps, cpu: (cpu.user + cpu.system) / 1000 / steps };
}

/** PyTorch's half of the benchmark: a child process timing `steps` steps of a net on request. */
class PyTorchSteps {
  private readonly child = spawn(PYTHON, [path.join(__dirname, "..", "..", "bench", "pytorch_step.py"), String(WARMUP)], { stdio: ["pipe", "pipe", "inherit"] });
  private readonly lines = readline.createInterface({ input: this.child.stdout })[Symbol.asyncIterator]();

  async next(): Promise<string> {
    const { value, done } = await this.lines.next();
    if (done) throw new Error("bench/pytorch_step.py ended early");
    return value as string;
  }

  async run(net: NetName, steps: number): Promise<Timing> {
    this.child.stdin.write(`${net} ${steps}\n`);
    const [wall, cpu] = (await this.next()).split(" ").map(Number);
    return { wall, cpu };
  }

  close(): void {
    this.child.stdin.end();
  }
}

export async function run(): Promise<Record<string, number | string>> {
  const info = await torch.ready();
  torch.manualSeed(0);
  const backend = `${info.name} (${info.threads} threads)`;
  const out: Record<string, number | string> = { backend };
  const pytorch = hasPyTorch() ? new PyTorchSteps() : undefined;
  const version = pytorch ? (JSON.parse(await pytorch.next()) as { torch: string; threads: number }) : undefined;
  console.log(`training step, batch 64: ${RUNS} runs of ${STEPS} steps after ${WARMUP}, nnlab on ${backend}` +
    (version ? `, alternating with PyTorch ${version.torch} (${version.threads} threads)` : ""));
  for (const net of ["cnn", "fc"] as const) {
    const step = stepper(net === "cnn" ? new Net() : new FullyConnectedNet());
    for (let i = 0; i < WARMUP; i++) step();
    const ours: Timing[] = [];
    const theirs: Timing[] = [];
    for (let r = 0; r < RUNS; r++) {
      ours.push(timeSteps(step, STEPS));
      if (pytorch) theirs.push(await pytorch.run(net, STEPS));
    }
    const [wall, cpu] = [median(ours.map((t) => t.wall)), median(ours.map((t) => t.cpu))];
    Object.assign(out, { [`${net} step ms`]: wall, [`${net} step cpu ms`]: cpu });
    const label = net === "cnn" ? "CNN Net" : "FC net ";
    if (!pytorch) {
      console.log(`  ${label}: nnlab ${fmt(wall)} ms (CPU ${fmt(cpu)} ms)`);
      continue;
    }
    const ratios = ours.map((t, i) => t.wall / theirs[i].wall);
    const [theirWall, theirCpu] = [median(theirs.map((t) => t.wall)), median(theirs.map((t) => t.cpu))];
    Object.assign(out, {
      [`pytorch ${net} step ms`]: theirWall,
      [`pytorch ${net} step cpu ms`]: theirCpu,
      [`${net} ratio`]: median(ratios),
      [`${net} ratio min`]: Math.min(...ratios),
      [`${net} ratio max`]: Math.max(...ratios),
      [`${net} cpu ratio`]: cpu / theirCpu,
    });
    console.log(`  ${label}: nnlab ${fmt(wall)} ms, PyTorch ${fmt(theirWall)} ms; ratio ${median(ratios).toFixed(2)}x ` +
      `(runs ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}x); CPU per step ${fmt(cpu)} / ${fmt(theirCpu)} ms = ${(cpu / theirCpu).toFixed(2)}x`);
  }
  pytorch?.close();
  if (!pytorch) console.log("  PyTorch not installed (apt-get install python3-torch): no yardstick in this run");
  return out;
}

if (require.main === module) run().then(() => process.exit(0));
