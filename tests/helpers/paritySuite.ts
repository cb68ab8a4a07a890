/**
 * Parity with PyTorch 1.13.1: every case of tests/fixtures/torch_reference.json, one line each.
 * `paritySuite(backend)` registers the whole suite for one backend; tests/lib/parity-*.test.ts
 * call it, one process per backend. The last test checks that no fixture case went untested.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { torch, nn, F, optim, type Tensor } from "../../lib/index";
import { FCNet, formula, Net, setWeightsByRule } from "./lectureNets";
import { expectClose, loadReference, toTensor, type ConvCase, type Golden, type GradSummary, type NetCase, type OptimCase, type PoolCase, type UnaryCase } from "./golden";

const R = loadReference();
const covered = new Set<string>();

/** Every case id of the fixture; each check below marks the ids it compared. */
function allCaseIds(): string[] {
  const ids = ["slides/valid", "slides/padding1", "slides/stride2", "slides/maxpool2", "slides/shapes",
    ...Object.keys(R.slides.printed).map((k) => `slides/printed/${k}`),
    "linear", "cross_entropy", "mse", "bce_with_logits", "nets/cnn", "nets/fc"];
  R.conv2d.forEach((_, i) => ids.push(`conv2d/${i}`));
  R.pool2d.forEach((_, i) => ids.push(`pool2d/${i}`));
  for (const k of Object.keys(R.activations)) ids.push(`activations/${k}`);
  for (const c of R.optim) ids.push(`optim/${c.name}`);
  return ids.sort();
}

// ---- checks: one per kind of case ------------------------------------------------------------

const LECTURE_INPUT = [3, 4, 6, 5, 7, 2, 4, 6, 8, 2, 1, 6, 7, 8, 4, 9, 7, 4, 6, 2, 3, 7, 5, 4, 1];
const LECTURE_POOL_INPUT = [3, 4, 6, 5, 2, 4, 6, 8, 1, 6, 7, 8, 9, 7, 4, 6];

/** The slide's numbers through F.conv2d / F.maxPool2d on the fixture's inputs. */
function slideValues(name: "valid" | "padding1" | "stride2" | "maxpool2"): void {
  const s = R.slides;
  const y = name === "maxpool2" ? F.maxPool2d(toTensor(s.pool_input), 2)
    : F.conv2d(toTensor(s.input), toTensor(s.kernel), null, name === "valid" ? {} : name === "padding1" ? { padding: 1 } : { stride: 2 });
  expectClose(y, s[name], `slides.${name}`);
  covered.add(`slides/${name}`);
}

/** The slide's conv code as the lecture writes it (nn.Conv2d, weight.data = kernel.data), printed. */
function slideConvPrinted(name: "padding1" | "stride2"): void {
  const input = torch.Tensor(LECTURE_INPUT).view(1, 1, 5, 5);
  const convLayer = new nn.Conv2d(1, 1, 3, name === "padding1" ? { padding: 1, bias: false } : { stride: 2, bias: false });
  const kernel = torch.Tensor([1, 2, 3, 4, 5, 6, 7, 8, 9]).view(1, 1, 3, 3);
  convLayer.weight.data = kernel.data;
  const output = convLayer(input);
  assert.equal(String(output), R.slides.printed[name]);
  covered.add(`slides/printed/${name}`);
}

function slideMaxPoolPrinted(): void {
  const input = torch.Tensor(LECTURE_POOL_INPUT).view(1, 1, 4, 4);
  const maxpoolingLayer = new nn.MaxPool2d(2);
  const output = maxpoolingLayer(input);
  assert.equal(String(output), R.slides.printed.maxpool2);
  covered.add("slides/printed/maxpool2");
}

/** The 5 → 10 channel conv on randn(1, 5, 100, 100): the three shapes, printed one per line. */
function slideShapes(): void {
  const [inChannels, outChannels, width, height, kernelSize, batchSize] = [5, 10, 100, 100, 3, 1];
  const input = torch.randn(batchSize, inChannels, width, height);
  const convLayer = new nn.Conv2d(inChannels, outChannels, kernelSize);
  const output = convLayer(input);
  const shapes = [input.shape, output.shape, convLayer.weight.shape];
  assert.deepEqual(shapes.map((s) => [...s]), [R.slides.shapes.input, R.slides.shapes.output, R.slides.shapes.weight]);
  assert.equal(shapes.map(String).join("\n"), R.slides.printed.shapes);
  covered.add("slides/shapes");
  covered.add("slides/printed/shapes");
}

function conv(i: number): void {
  const c: ConvCase = R.conv2d[i];
  const x = toTensor(c.x, true);
  const w = toTensor(c.weight, true);
  const b = c.b ? toTensor(c.b, true) : null;
  const y = F.conv2d(x, w, b, { stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups });
  expectClose(y, c.y, "y");
  y.backward(toTensor(c.dy));
  expectClose(x.grad!, c.dx, "dx");
  expectClose(w.grad!, c.dweight, "dweight");
  if (b) expectClose(b.grad!, c.db!, "db");
  covered.add(`conv2d/${i}`);
}

function pool(i: number): void {
  const c: PoolCase = R.pool2d[i];
  const x = toTensor(c.x, true);
  const f = c.kind === "max" ? F.maxPool2d : F.avgPool2d;
  const y = f(x, c.kernel_size, { stride: c.stride, padding: c.padding });
  expectClose(y, c.y, "y");
  y.backward(toTensor(c.dy));
  expectClose(x.grad!, c.dx, "dx");
  covered.add(`pool2d/${i}`);
}

function linear(): void {
  const c = R.linear;
  const [x, w, b] = [toTensor(c.x, true), toTensor(c.weight, true), toTensor(c.b, true)];
  const y = F.linear(x, w, b);
  expectClose(y, c.y, "y");
  y.backward(toTensor(c.dy));
  expectClose(x.grad!, c.dx, "dx");
  expectClose(w.grad!, c.dweight, "dweight");
  expectClose(b.grad!, c.db, "db");
  covered.add("linear");
}

function activation(name: string, f: (x: Tensor) => Tensor): void {
  const c: UnaryCase = R.activations[name];
  const x = toTensor(c.x, true);
  const y = f(x);
  expectClose(y, c.y, "y");
  y.backward(toTensor(c.dy));
  expectClose(x.grad!, c.dx, "dx");
  covered.add(`activations/${name}`);
}

/** A scalar loss of (input, target): the value and d loss / d input. */
function loss(name: "cross_entropy" | "mse" | "bce_with_logits", input: Golden, target: Tensor, expected: number, grad: Golden,
  f: (input: Tensor, target: Tensor) => Tensor): void {
  const x = toTensor(input, true);
  const l = f(x, target);
  assert.deepEqual([...l.shape], [], "a mean loss is a 0-d tensor");
  expectClose(l.item(), expected, "loss");
  l.backward();
  expectClose(x.grad!, grad, "dinput");
  covered.add(name);
}

/** Three steps on the fixture's gradients, set by hand as `p.grad = g`. */
function optimizer(name: OptimCase["name"], make: (params: Tensor[]) => { step(): void }): void {
  const c = R.optim.find((o) => o.name === name)!;
  const p = new nn.Parameter(toTensor(c.p0));
  const opt = make([p]);
  for (const g of c.grads) {
    p.grad = toTensor(g);
    opt.step();
  }
  expectClose(p, c.p3, "p after 3 steps");
  covered.add(`optim/${name}`);
}

/** Float64 sum and L2 norm of the gradient; the sum is judged against the norm (it may cancel to ~0). */
function expectGrad(grad: Tensor, expected: GradSummary, what: string): void {
  if ("full" in expected) return expectClose(grad.flatten(), expected.full, what);
  const g = grad.dataSync();
  let sum = 0;
  let sq = 0;
  for (const v of g) { sum += v; sq += v * v; }
  expectClose(Math.sqrt(sq), expected.norm, `${what} L2 norm`);
  expectClose(sum, expected.sum, `${what} sum`, 1e-4, expected.norm);
  expectClose(expected.indices.map((i) => g[i]), expected.values, `${what} sampled entries`);
}

function net(name: "cnn" | "fc", make: () => torch.nn.Module): void {
  const c: NetCase = R.nets[name];
  const model = make();
  const named = [...model.namedParameters()];
  assert.deepEqual(named.map(([k]) => k), c.param_names);
  assert.deepEqual(named.map(([, p]) => [...p.shape]), c.param_shapes);
  assert.equal(model.parameters().reduce((a, p) => a + p.numel(), 0), c.param_count);
  setWeightsByRule(model);
  const x = formula([4, 1, 28, 28], 100, 1);
  const target = torch.tensor([3, 1, 4, 1]);
  const outputs = model(x);
  expectClose(outputs, c.logits, "logits");
  const l = F.crossEntropy(outputs, target);
  expectClose(l.item(), c.loss, "loss");
  l.backward();
  for (const [k, p] of named) expectGrad(p.grad!, c.grads[k], `grad of ${k}`);
  covered.add(`nets/${name}`);
}

// ---- the suite -------------------------------------------------------------------------------

export function paritySuite(backend: "wasm" | "cpu"): void {
  before(async () => {
    const info = await torch.ready();
    assert.equal(info.name, backend, `NNLAB_BACKEND=${process.env["NNLAB_BACKEND"]} should start ${backend}`);
  });
  const parity = (name: string, check: () => void, todo?: string) => test(`${backend}: ${name}`, todo ? { todo } : {}, check);

  // Debian's python3-torch 1.13.1 calls itself 1.13.0a0.
  test("the fixture is PyTorch 1.13.1's, seed 0", () => assert.deepEqual([R.torch_version, R.seed], ["1.13.0a0", 0]));

  parity("slides: valid 3x3 conv of the 5x5 input", () => slideValues("valid"));
  parity("slides: padding=1", () => slideValues("padding1"));
  parity("slides: stride=2", () => slideValues("stride2"));
  parity("slides: 2x2 max pool", () => slideValues("maxpool2"));
  parity("slides: print(output) of the padding=1 conv layer", () => slideConvPrinted("padding1"));
  parity("slides: print(output) of the stride=2 conv layer", () => slideConvPrinted("stride2"));
  parity("slides: print(output) of MaxPool2d(kernel_size=2)", () => slideMaxPoolPrinted());
  parity("slides: shapes of the 5->10 channel conv", () => slideShapes());

  parity("conv2d 2x3x7x7 -> 4, k3, bias", () => conv(0));
  parity("conv2d 2x3x7x7 -> 4, k3, padding 1, no bias", () => conv(1));
  parity("conv2d 2x3x8x7 -> 4, k3, stride 2, padding 1", () => conv(2));
  parity("conv2d 1x2x9x9 -> 3, k(3,2), stride (2,1), padding (1,0)", () => conv(3));
  parity("conv2d 2x4x9x9 -> 4, k3, padding 2, dilation 2", () => conv(4));
  parity("conv2d 2x4x7x7 -> 6, k3, padding 1, groups 2", () => conv(5));
  parity("conv2d 3x1x28x28 -> 10, k5 (the Net's conv1)", () => conv(6));
  parity("conv2d 3x10x12x12 -> 20, k5 (the Net's conv2)", () => conv(7));

  parity("max_pool2d 2x3x8x8, k2", () => pool(0));
  parity("max_pool2d 2x3x7x7, k3, stride 2, padding 1", () => pool(1));
  parity("max_pool2d 1x2x9x8, k2, stride 2", () => pool(2));
  parity("avg_pool2d 2x3x8x8, k2", () => pool(3));
  parity("avg_pool2d 2x3x7x7, k3, stride 2, padding 1", () => pool(4));

  parity("linear 5x7 -> 3", () => linear());

  parity("relu", () => activation("relu", F.relu));
  parity("sigmoid", () => activation("sigmoid", torch.sigmoid));
  parity("tanh", () => activation("tanh", torch.tanh));
  parity("softmax dim=1", () => activation("softmax", (x) => F.softmax(x, 1)));
  parity("log_softmax dim=1", () => activation("log_softmax", (x) => F.logSoftmax(x, 1)));
  parity("leaky_relu (default negative_slope 0.01)", () => activation("leaky_relu", F.leakyRelu));
  parity("nn.LeakyReLU(0.2)", () => activation("leaky_relu_slope_0.2", new nn.LeakyReLU(0.2)));

  parity("cross_entropy", () => loss("cross_entropy", R.cross_entropy.logits, torch.tensor(R.cross_entropy.target), R.cross_entropy.loss, R.cross_entropy.dlogits, F.crossEntropy));
  parity("mse_loss", () => loss("mse", R.mse.pred, toTensor(R.mse.target), R.mse.loss, R.mse.dpred, F.mseLoss));
  parity("binary_cross_entropy_with_logits", () => loss("bce_with_logits", R.bce_with_logits.logits, torch.tensor(R.bce_with_logits.target, { dtype: "float32" }), R.bce_with_logits.loss, R.bce_with_logits.dlogits, F.binaryCrossEntropyWithLogits));

  parity("SGD lr=0.01 momentum=0.5", () => optimizer("sgd_momentum", (p) => new optim.SGD(p, { lr: 0.01, momentum: 0.5 })));
  parity("SGD lr=0.1 momentum=0.9 nesterov weight_decay=0.01", () => optimizer("sgd_nesterov_wd", (p) => new optim.SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 })));
  parity("Adam lr=0.01", () => optimizer("adam", (p) => new optim.Adam(p, { lr: 0.01 })));

  parity("the lecture's CNN Net: logits, loss, gradients", () => net("cnn", () => new Net()));
  parity("the lecture's fully connected Net: logits, loss, gradients", () => net("fc", () => new FCNet()));

  test(`${backend}: every fixture case was compared`, () => assert.deepEqual([...covered].sort(), allCaseIds()));
}
