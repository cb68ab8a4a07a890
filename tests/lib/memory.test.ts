// Training does not leak backend memory: after collecting garbage, the tensors and bytes held at
// step 1000 are no more than at step 100 (the optimizer's buffers exist by then).
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { torch, nn, F, optim, type Tensor } from "../../lib/index";

before(async () => { await torch.ready(); });

class SmallNet extends torch.nn.Module {
  conv: torch.nn.Conv2d;
  pooling: torch.nn.MaxPool2d;
  fc: torch.nn.Linear;
  constructor() {
    super();
    this.conv = new nn.Conv2d(1, 4, 3);
    this.pooling = new nn.MaxPool2d(2);
    this.fc = new nn.Linear(36, 3);
  }
  forward(x: Tensor): Tensor {
    const batchSize = x.size(0);
    x = F.relu(this.pooling(this.conv(x)));
    return this.fc(x.view(batchSize, -1));
  }
}

function memoryAfterCollect(): { numTensors: number; numBytes: number } {
  torch.collectGarbage();
  return torch.memory();
}

test("tf memory stays flat over 1,000 SGD steps of a small conv net", () => {
  torch.manualSeed(0);
  const model = new SmallNet();
  const criterion = new nn.CrossEntropyLoss();
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.5 });
  const inputs = torch.randn(8, 1, 8, 8);
  const target = torch.tensor([0, 1, 2, 0, 1, 2, 0, 1]);
  let first = 0;
  let last = 0;
  let at100 = { numTensors: 0, numBytes: 0 };
  for (let step = 1; step <= 1000; step++) {
    optimizer.zeroGrad();
    const outputs = model(inputs);
    const loss = criterion(outputs, target);
    loss.backward();
    optimizer.step();
    last = loss.item();
    if (step === 1) first = last;
    if (step === 100) at100 = memoryAfterCollect();
  }
  const at1000 = memoryAfterCollect();
  assert.ok(last < first, `the net trains (loss ${first} -> ${last})`);
  assert.ok(at1000.numTensors <= at100.numTensors, `tensors: ${at100.numTensors} at step 100, ${at1000.numTensors} at step 1000`);
  assert.ok(at1000.numBytes <= at100.numBytes, `bytes: ${at100.numBytes} at step 100, ${at1000.numBytes} at step 1000`);
});

/** Backend tensors held after one training step of a Linear layer, zeroGrad() called at its start. */
function heldAfterSteps(readGrad: boolean): { held: number[]; kept: Tensor[] } {
  torch.manualSeed(0);
  const layer = new nn.Linear(6, 3);
  const optimizer = new optim.SGD(layer.parameters(), { lr: 0.1 });
  const inputs = torch.randn(4, 6);
  const kept: Tensor[] = [];
  const held: number[] = [];
  for (let step = 0; step < 3; step++) {
    optimizer.zeroGrad();
    held.push(torch.memory().numTensors);
    layer(inputs).sum().backward();
    if (readGrad) kept.push(layer.weight.grad!);
    optimizer.step();
  }
  return { held, kept };
}

test("zeroGrad frees a gradient nobody read at once; one read through .grad stays the reader's", () => {
  torch.collectGarbage();
  // No collection runs in between (3 tiny steps): each step leaves its forward's outputs to the
  // collector either way; reading the weight's gradient leaves that one too, never the bias's.
  const unread = heldAfterSteps(false).held;
  const { held: read, kept } = heldAfterSteps(true);
  const growth = (h: number[]): number => h[2] - h[1];
  assert.equal(growth(read) - growth(unread), 1, `tensors held at each zeroGrad: unread ${unread.join(", ")}, read ${read.join(", ")}`);
  // PyTorch: the old .grad a variable holds keeps its values after zero_grad(set_to_none=True).
  const again = heldAfterSteps(true).kept;
  kept.forEach((g, i) => assert.deepEqual(g.tolist(), again[i].tolist()));
  assert.equal(kept[0].shape.join("x"), "3x6");
});
