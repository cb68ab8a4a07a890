// nn.Module as the lecture uses it: fields become parameters and children, model(x) runs forward,
// state dicts round-trip, train/eval flags reach every submodule.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { torch, nn, F, type Tensor } from "../../lib/index";
import { formula, Net, setWeightsByRule } from "../helpers/lectureNets";

before(async () => { await torch.ready(); });

const input = () => formula([2, 1, 28, 28], 100, 1);

class Classifier extends torch.nn.Module {
  features: torch.nn.Sequential;
  heads: torch.nn.Linear[];
  dropout: torch.nn.Dropout;
  constructor() {
    super();
    this.features = new nn.Sequential(new nn.Conv2d(1, 4, 5), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten());
    this.heads = [new nn.Linear(576, 10), new nn.Linear(10, 2)];
    this.dropout = new nn.Dropout(0.5);
  }
  forward(x: Tensor): Tensor {
    return this.heads[1](this.dropout(this.heads[0](this.features(x))));
  }
}

test("namedParameters: dotted names in definition order, through Sequential and arrays of modules", () => {
  assert.deepEqual([...new Net().namedParameters()].map(([k, p]) => `${k} ${p.shape}`), [
    "conv1.weight torch.Size([10, 1, 5, 5])", "conv1.bias torch.Size([10])",
    "conv2.weight torch.Size([20, 10, 5, 5])", "conv2.bias torch.Size([20])",
    "fc.weight torch.Size([10, 320])", "fc.bias torch.Size([10])",
  ]);
  assert.deepEqual([...new Classifier().namedParameters()].map(([k]) => k),
    ["features.0.weight", "features.0.bias", "heads.0.weight", "heads.0.bias", "heads.1.weight", "heads.1.bias"]);
  assert.ok(new Net().parameters().every((p) => p instanceof nn.Parameter && p.requiresGrad && p.isLeaf));
});

test("children and named modules", () => {
  const net = new Net();
  assert.deepEqual([...net.namedChildren()].map(([k, m]) => `${k}: ${m.constructor.name}`),
    ["conv1: Conv2d", "conv2: Conv2d", "pooling: MaxPool2d", "fc: Linear"]);
  assert.equal([...net.children()].length, 4);
  assert.deepEqual([...new Classifier().namedModules()].map(([k]) => k),
    ["", "features", "features.0", "features.1", "features.2", "features.3", "heads.0", "heads.1", "dropout"]);
});

test("a parameter shared by two layers is listed once", () => {
  const a = new nn.Linear(3, 3);
  const seq = new nn.Sequential(a, new nn.ReLU(), a);
  assert.deepEqual([...seq.namedParameters()].map(([k]) => k), ["0.weight", "0.bias"]);
});

test("model(x) is model.forward(x)", () => {
  const model = new Net();
  setWeightsByRule(model);
  const x = input();
  const viaCall = model(x);
  assert.deepEqual([...viaCall.shape], [2, 10]);
  assert.deepEqual(viaCall.tolist(), model.forward(x).tolist());
  assert.equal(typeof model, "function");
  assert.ok(model instanceof Net && model instanceof nn.Module);
});

test("Sequential runs its layers in order and indexes them", () => {
  const conv = new nn.Conv2d(1, 4, 5);
  const seq = new nn.Sequential(conv, new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(576, 10));
  const x = input();
  const y = seq(x);
  assert.deepEqual([...y.shape], [2, 10]);
  const manual = seq.at(4)(F.maxPool2d(F.relu(conv(x)), 2).flatten(1));
  assert.deepEqual(y.tolist(), manual.tolist());
  assert.equal(seq.at(0), conv);
  assert.equal(seq.at(-1), seq.layers[4]);
  assert.deepEqual([...seq.namedParameters()].map(([k]) => k), ["0.weight", "0.bias", "4.weight", "4.bias"]);
});

test("stateDict → loadStateDict round trip gives the same outputs; the dict shares the model's values, as PyTorch's does", () => {
  const a = new Net();
  setWeightsByRule(a);
  const state = a.stateDict();
  assert.deepEqual(Object.keys(state), [...a.namedParameters()].map(([k]) => k));
  assert.ok(Object.values(state).every((t) => !t.requiresGrad));
  const b = new Net();
  const x = input();
  assert.notDeepEqual(b(x).tolist(), a(x).tolist());
  assert.deepEqual(b.loadStateDict(state), { missingKeys: [], unexpectedKeys: [] });
  assert.deepEqual(b(x).tolist(), a(x).tolist());
  torch.noGrad(() => a.fc.bias!.fill_(7));
  assert.deepEqual(state["fc.bias"].tolist(), Array(10).fill(7));
  assert.notDeepEqual(b.fc.bias!.tolist(), a.fc.bias!.tolist());
});

test("loadStateDict is strict about missing, unexpected and mis-shaped entries", () => {
  const layer = () => new nn.Linear(2, 3);
  const isLoadError = (...parts: string[]) => (e: unknown) =>
    e instanceof torch.RuntimeError && parts.every((p) => e.message.includes(p));
  assert.throws(() => layer().loadStateDict({ weight: torch.zeros(3, 2) }),
    isLoadError("Error(s) in loading state_dict for Linear", 'Missing key(s) in state_dict: "bias"'));
  assert.throws(() => layer().loadStateDict({ weight: torch.zeros(3, 2), bias: torch.zeros(3), extra: torch.zeros(1) }),
    isLoadError('Unexpected key(s) in state_dict: "extra"'));
  assert.throws(() => layer().loadStateDict({ weight: torch.zeros(2, 2), bias: torch.zeros(3) }),
    isLoadError("size mismatch for weight", "[2, 2]", "[3, 2]"));
  const l = layer();
  assert.deepEqual(l.loadStateDict({ weight: torch.ones(3, 2), extra: torch.zeros(1) }, false), { missingKeys: ["bias"], unexpectedKeys: ["extra"] });
  assert.deepEqual(l.weight.tolist(), [[1, 1], [1, 1], [1, 1]]);
});

test("train() and eval() set the flag on every submodule; dropout is the identity in eval mode", () => {
  const model = new Classifier();
  const flags = () => [...model.modules()].map((m) => m.training);
  assert.ok(flags().every((f) => f));
  assert.equal(model.eval(), model);
  assert.ok(flags().every((f) => !f));
  const x = torch.ones(4, 8);
  assert.deepEqual(model.dropout(x).tolist(), x.tolist());
  model.train();
  assert.ok(flags().every((f) => f));
  const dropped = model.dropout(torch.ones(1000)).tolist() as number[];
  assert.ok(dropped.every((v) => v === 0 || v === 2), "kept values are scaled by 1 / (1 - p)");
  assert.ok(dropped.some((v) => v === 0) && dropped.some((v) => v === 2));
});

test("requiresGrad_(false) freezes a model: no gradients reach its parameters", () => {
  const model = new nn.Linear(3, 2).requiresGrad_(false);
  const y = model(torch.ones(1, 3));
  assert.equal(y.requiresGrad, false);
  assert.ok(model.parameters().every((p) => p.grad === null && !p.requiresGrad));
});
