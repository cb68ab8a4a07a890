// The lecture's MNIST training, timed: seconds per full training epoch (60,000 images, batch 64)
// of the CNN `Net` and of the fully connected net on the default backend, test accuracy after
// 1 epoch (and after 10 with NNLAB_BENCH_FULL=1), peak RSS; and the same figures from PyTorch
// (bench/pytorch_train.py, Debian's python3-torch) in the same run, with the ratios.
// Each net trains in a child process of its own, so each peak RSS is that net's alone.
import { spawn, spawnSync } from "node:child_process";
import path from "node:path";
import readline from "node:readline";
import { torch, nn, optim } from "../lib/index";
import { datasets, transforms, DataLoader } from "../lib/data";
import { Net, FullyConnectedNet, lectureTraining } from "../lib/train";
import type { Module } from "../lib/nn/module";
import { stepper, timeSteps } from "./step";
import { median } from "./util";

type NetName = "cnn" | "fc";
interface EpochResult {
  net: NetName;
  epoch: number;
  train_s: number;
  test_s: number;
  /** CPU time of the training and test pass, all threads. */
  cpu_s: number;
  accuracy: number;
  peak_rss_mb: number;
  threads: number;
  /** On the last epoch's line: ms of one training step on a fixed batch, timed in the same process right after the epochs. */
  step_ms?: number;
}

const PYTHON = "/usr/bin/python3";
const SEED = 0;

/** Child mode: trains one net and prints one JSON line per epoch (and the lecture's lines on stderr). */
async function child(net: NetName, epochs: number): Promise<void> {
  const info = await torch.ready();
  torch.manualSeed(SEED);
  const transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.1307], [0.3081])]);
  const trainLoader = new DataLoader(datasets.MNIST({ train: true, transform }), { batchSize: 64, shuffle: true });
  const testLoader = new DataLoader(datasets.MNIST({ train: false, transform }), { batchSize: 64, shuffle: false });
  const model = net === "cnn" ? new Net() : new FullyConnectedNet();
  const device = torch.device(torch.cuda.isAvailable() ? "cuda:0" : "cpu");
  model.to(device);
  const criterion = new nn.CrossEntropyLoss();
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.5 });
  const { train, test } = lectureTraining({ model, trainLoader, testLoader, criterion, optimizer, device, print: (l) => console.error(l) });
  for (let epoch = 0; epoch < epochs; epoch++) {
    const [t0, c0] = [performance.now(), process.cpuUsage()];
    await train(epoch);
    const t1 = performance.now();
    const { accuracy } = await test();
    const t2 = performance.now();
    const cpu = process.cpuUsage(c0);
    const result: EpochResult = { net, epoch: epoch + 1, train_s: (t1 - t0) / 1000, test_s: (t2 - t1) / 1000, cpu_s: (cpu.user + cpu.system) / 1e6, accuracy,
      peak_rss_mb: process.resourceUsage().maxRSS / 1024, threads: info.threads, ...(epoch === epochs - 1 ? { step_ms: ownStepMs(model) } : {}) };
    console.log(JSON.stringify(result));
  }
  process.exit(0); // the wasm worker threads would keep the process alive
}

/**
 * Median ms per training step of `model` on a fixed batch over 7 runs of 30 steps, in this process
 * (after 30 warm-up steps): the step beside this process's own epochs, as pytorch_train.py times its own.
 */
function ownStepMs(model: Module): number {
  const step = stepper(model);
  for (let i = 0; i < 30; i++) step();
  return median(Array.from({ length: 7 }, () => timeSteps(step, 30).wall));
}

/** Runs a command, echoing its stderr lines with a prefix, and returns its JSON stdout lines. */
function jsonLines(cmd: string, args: string[], label: string): Promise<EpochResult[]> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    const out: EpochResult[] = [];
    readline.createInterface({ input: p.stdout }).on("line", (line) => {
      if (line.startsWith("{")) {
        const r = JSON.parse(line) as EpochResult;
        out.push(r);
        console.log(`training: ${label} epoch ${r.epoch}: train ${r.train_s.toFixed(1)} s, test ${r.test_s.toFixed(1)} s, accuracy ${(100 * r.accuracy).toFixed(2)} %, peak RSS ${r.peak_rss_mb.toFixed(0)} MB`);
      } else console.log(`training: ${label} | ${line}`);
    });
    readline.createInterface({ input: p.stderr }).on("line", (line) => console.log(`training: ${label} | ${line}`));
    p.on("error", reject);
    p.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`${label}: ${cmd} ${args.join(" ")} exited with ${code}`))));
  });
}

function summary(prefix: string, rs: EpochResult[]): Record<string, number> {
  const mean = rs.reduce((a, r) => a + r.train_s, 0) / rs.length;
  const out: Record<string, number> = {
    [`${prefix} s/epoch`]: mean,
    // CPU time of the training and test pass (all threads): it moves far less with the load than wall time
    [`${prefix} cpu s/epoch`]: rs.reduce((a, r) => a + r.cpu_s, 0) / rs.length,
    [`${prefix} acc 1 epoch %`]: 100 * rs[0].accuracy,
    [`${prefix} peak RSS MB`]: Math.max(...rs.map((r) => r.peak_rss_mb)),
    [`${prefix} threads`]: rs[0].threads,
  };
  if (rs.length >= 10) out[`${prefix} acc 10 epochs %`] = 100 * rs[9].accuracy;
  return out;
}

function hasTorch(): boolean {
  return spawnSync(PYTHON, ["-c", "import torch"], { stdio: "ignore" }).status === 0;
}

export async function run(): Promise<Record<string, number | string>> {
  const epochs = process.env["NNLAB_BENCH_FULL"] === "1" ? 10 : 1;
  const results: Record<string, number | string> = { epochs };
  const torchThere = hasTorch();
  for (const net of ["cnn", "fc"] as const) {
    const ours = await jsonLines(process.execPath, [__filename, "--child", net, String(epochs)], `nnlab ${net}`);
    Object.assign(results, summary(`nnlab ${net}`, ours));
    if (!torchThere) continue;
    const theirs = await jsonLines(PYTHON, [path.join(__dirname, "..", "..", "bench", "pytorch_train.py"), "--net", net, "--epochs", String(epochs), "--seed", String(SEED)], `pytorch ${net}`);
    Object.assign(results, summary(`pytorch ${net}`, theirs));
    results[`${net} epoch time ratio nnlab/pytorch`] = (results[`nnlab ${net} s/epoch`] as number) / (results[`pytorch ${net} s/epoch`] as number);
    // The lecture's epoch as a user waits for it: the training pass and the test pass.
    const epochS = (rs: EpochResult[]): number => rs.reduce((a, r) => a + r.train_s + r.test_s, 0) / rs.length;
    const cpuS = (rs: EpochResult[]): number => rs.reduce((a, r) => a + r.cpu_s, 0) / rs.length;
    results[`${net} epoch ratio`] = epochS(ours) / epochS(theirs);
    // The epoch over the step each side timed in its own training process, right after its epochs:
    // per-batch costs the step does not have, without the step suite's PyTorch run (another
    // minute, another load) in the figure.
    const [ourStep, theirStep] = [ours[ours.length - 1].step_ms, theirs[theirs.length - 1].step_ms];
    if (ourStep !== undefined && theirStep !== undefined) {
      results[`${net} own-step ratio`] = ourStep / theirStep;
      results[`${net} epoch over own step, nnlab / pytorch`] = (epochS(ours) / ourStep) / (epochS(theirs) / theirStep);
    }
    results[`${net} epoch cpu ratio`] = cpuS(ours) / cpuS(theirs);
  }
  if (!torchThere) results["pytorch"] = `not measured: ${PYTHON} cannot import torch (apt-get install python3-torch)`;
  for (const [k, v] of Object.entries(results)) console.log(`training: ${k.padEnd(42)} ${typeof v === "number" ? (Number.isInteger(v) ? v : v.toFixed(2)) : v}`);
  return results;
}

if (require.main === module) {
  const [flag, net, epochs] = process.argv.slice(2);
  if (flag === "--child") void child(net as NetName, Number(epochs));
  else void run();
}
