import { before, test } from "node:test";
import assert from "node:assert/strict";
import { torch, nn, optim } from "../../lib/index";
import { data, datasets, DataLoader, transforms } from "../../lib/data";
import { accuracyLine, lectureTraining, lossLine, Net } from "../../lib/train";

before(() => torch.ready());

test("the lecture's lines: loss / 2000 as on the slide, with the true mean; accuracy truncated as '%d'", () => {
  assert.equal(lossLine(0, 299, 216.0), " [1,   300] loss: 0.108  (mean 0.720)");
  assert.equal(lossLine(9, 899, 10.5), " [10,   900] loss: 0.005  (mean 0.035)");
  assert.equal(accuracyLine(9869, 10000), "Accuracy on test set: 98 % [9869/10000]");
  assert.equal(accuracyLine(637, 10000), "Accuracy on test set: 6 % [637/10000]");
});

test("the lecture's Net trained 1 epoch on 6,000 MNIST images scores far above chance on the 10,000 test images", async () => {
  torch.manualSeed(0);
  const transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.1307], [0.3081])]);
  const trainDataset = new data.Subset(datasets.MNIST({ train: true, transform }), Array.from({ length: 6000 }, (_, i) => i));
  const trainLoader = new DataLoader(trainDataset, { batchSize: 64, shuffle: true });
  const testLoader = new DataLoader(datasets.MNIST({ train: false, transform }), { batchSize: 64, shuffle: false });
  const model = new Net();
  const device = torch.device(torch.cuda.isAvailable() ? "cuda:0" : "cpu");
  model.to(device);
  const criterion = new nn.CrossEntropyLoss();
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.5 });
  const lines: string[] = [];
  const { train, test: evaluate } = lectureTraining({ model, trainLoader, testLoader, criterion, optimizer, device, print: (l) => lines.push(l) });
  await train(0);
  const result = await evaluate();
  assert.equal(result.total, 10000);
  assert.ok(result.accuracy > 0.8, `accuracy ${result.accuracy} should be far above chance (0.1)`);
  // 94 batches: no loss line (the lecture prints every 300), then the accuracy line.
  assert.deepEqual(lines, [accuracyLine(result.correct, 10000)]);
});
