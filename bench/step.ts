/**
 * ms per training step of the lecture's Net and of the fully connected net (batch 64, SGD lr 0.01
 * momentum 0.5), median of several runs, with PyTorch measured in the same run as the yardstick.
 */
import { torch, nn, optim } from "../lib/index";
import type { Module } from "../lib/nn/module";
import { FullyConnectedNet, Net } from "../lib/train";
import { fmt, hasPyTorch, median, runPython } from "./util";

const STEPS = 50;
const RUNS = 5;

function stepTimes(model: Module): number[] {
  const criterion = new nn.CrossEntropyLoss();
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.5 });
  const inputs = torch.randn(64, 1, 28, 28);
  const target = torch.tensor(Array.from({ length: 64 }, (_, i) => (i * 7) % 10));
  const step = () => {
    optimizer.zeroGrad();
    const loss = criterion(model(inputs), target);
    loss.backward();
    optimizer.step();
    return loss.item(); // reads back, as the lecture's running loss does
  };
  for (let i = 0; i < 10; i++) step();
  const runs: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < STEPS; i++) step();
    runs.push((performance.now() - t0) / STEPS);
  }
  return runs;
}

export async function run(): Promise<Record<string, number | string>> {
  const info = await torch.ready();
  torch.manualSeed(0);
  const cnn = median(stepTimes(new Net()));
  const fc = median(stepTimes(new FullyConnectedNet()));
  const out: Record<string, number | string> = { backend: `${info.name} (${info.threads} threads)`, "cnn step ms": cnn, "fc step ms": fc };
  console.log(`training step, batch 64 (median of ${RUNS} runs of ${STEPS} steps), nnlab on ${out.backend}`);
  console.log(`  CNN Net:  nnlab ${fmt(cnn)} ms`);
  console.log(`  FC net:   nnlab ${fmt(fc)} ms`);
  if (hasPyTorch()) {
    const pt = runPython<{ torch: string; threads: number; cnn: number[]; fc: number[] }>("pytorch_step.py", [String(STEPS), String(RUNS)]);
    const [pc, pf] = [median(pt.cnn), median(pt.fc)];
    Object.assign(out, { "pytorch cnn step ms": pc, "pytorch fc step ms": pf, "cnn ratio": cnn / pc, "fc ratio": fc / pf });
    console.log(`  PyTorch ${pt.torch} (${pt.threads} threads): CNN ${fmt(pc)} ms, FC ${fmt(pf)} ms`);
    console.log(`  ratio nnlab / PyTorch: CNN ${(cnn / pc).toFixed(2)}x, FC ${(fc / pf).toFixed(2)}x`);
  } else {
    console.log("  PyTorch not installed (apt-get install python3-torch): no yardstick in this run");
  }
  return out;
}

if (require.main === module) run().then(() => process.exit(0));
