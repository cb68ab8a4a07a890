/**
 * The lecture's two networks, written as the lecture writes them, and the fixture's rule for
 * deterministic weights (tests/fixtures/torch_reference.json, `nets.rule`).
 */
import { torch, F, type Tensor } from "../../lib/index";

/** The CNN of the lecture (conv 1→10 k5, pool, relu, conv 10→20 k5, pool, relu, linear 320→10). */
export class Net extends torch.nn.Module {
  conv1: torch.nn.Conv2d;
  conv2: torch.nn.Conv2d;
  pooling: torch.nn.MaxPool2d;
  fc: torch.nn.Linear;
  constructor() {
    super();
    this.conv1 = new torch.nn.Conv2d(1, 10, 5);
    this.conv2 = new torch.nn.Conv2d(10, 20, 5);
    this.pooling = new torch.nn.MaxPool2d(2);
    this.fc = new torch.nn.Linear(320, 10);
  }
  forward(x: Tensor): Tensor {
    const batchSize = x.size(0);
    x = F.relu(this.pooling(this.conv1(x)));
    x = F.relu(this.pooling(this.conv2(x)));
    x = x.view(batchSize, -1); // flatten
    x = this.fc(x);
    return x;
  }
}

/** The fully connected net of the lecture (784-512-256-128-64-10). */
export class FCNet extends torch.nn.Module {
  l1: torch.nn.Linear;
  l2: torch.nn.Linear;
  l3: torch.nn.Linear;
  l4: torch.nn.Linear;
  l5: torch.nn.Linear;
  constructor() {
    super();
    this.l1 = new torch.nn.Linear(784, 512);
    this.l2 = new torch.nn.Linear(512, 256);
    this.l3 = new torch.nn.Linear(256, 128);
    this.l4 = new torch.nn.Linear(128, 64);
    this.l5 = new torch.nn.Linear(64, 10);
  }
  forward(x: Tensor): Tensor {
    x = x.view(-1, 784);
    x = F.relu(this.l1(x));
    x = F.relu(this.l2(x));
    x = F.relu(this.l3(x));
    x = F.relu(this.l4(x));
    return this.l5(x);
  }
}

/** The fixture's `rule`: scale * sin(1.7 i + offset) over the flat index i, in float64, then float32. */
export function formula(shape: number[], offset: number, scale: number): Tensor {
  const n = shape.reduce((a, d) => a * d, 1);
  const v = Float32Array.from({ length: n }, (_, i) => scale * Math.sin(1.7 * i + offset));
  return torch.tensor(v).view(shape);
}

export function setWeightsByRule(model: torch.nn.Module): void {
  let j = 0;
  for (const [, p] of model.namedParameters()) {
    const fanIn = p.dim() > 1 ? p.numel() / p.shape[0] : p.numel();
    const values = formula([...p.shape], j++, 1 / Math.sqrt(fanIn));
    torch.noGrad(() => p.copy_(values));
  }
}
