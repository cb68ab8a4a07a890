// A .ts file that imports from "nnlab" (resolved by name, as in a user's project) can use every
// class reachable as nn.X, optim.X, F, data.X and torch.utils.data.X as a type.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { packageFolder } from "../helpers/packageFolder";

const SOURCE = `
import { torch, nn, F, optim, data, datasets, DataLoader } from "nnlab";

class Net extends nn.Module {
  conv1: nn.Conv2d = new nn.Conv2d(1, 10, 5);
  bn: nn.BatchNorm2d = new nn.BatchNorm2d(10);
  fc: nn.Linear = new nn.Linear(10, 2);
  forward(x: torch.Tensor): torch.Tensor { return this.fc(F.relu(this.bn(this.conv1(x)))); }
}
const seq: nn.Sequential = new nn.Sequential(new nn.Linear(2, 2));
const first: nn.Module = seq[0];
const opt: optim.SGD = new optim.SGD(new Net().parameters(), { lr: 0.1 });
const adam: optim.Adam = new optim.Adam(seq.parameters());
const ds: data.TensorDataset<[torch.Tensor, torch.Tensor]> = new data.TensorDataset(torch.zeros(4, 2), torch.zeros(4));
const same: torch.utils.data.Dataset<[torch.Tensor, torch.Tensor]> = ds;
const loader: torch.utils.data.DataLoader<[torch.Tensor, torch.Tensor]> = new DataLoader(same, { batchSize: 2 });
const options: F.LossOptions = { reduction: "sum" };
const mnist: datasets.MNIST = datasets.MNIST({ train: false });
const row: torch.Tensor = torch.zeros(2, 3)[0];
// PyTorch's habits with files: torch.load's result goes straight into loadStateDict, or is indexed.
const restored = new Net();
restored.loadStateDict(torch.load("model.pt"));
const checkpoint = torch.load("checkpoint.pt");
restored.loadStateDict(checkpoint["model"]);
const typed: nn.StateDict = torch.load<nn.StateDict>("model.pt");
export { first, opt, adam, loader, options, mnist, row, restored, typed };
`;

test("nn.Conv2d, optim.SGD, data.TensorDataset, torch.utils.data.DataLoader, F.LossOptions type-check as types in a .ts file; torch.load feeds loadStateDict", () => {
  const dir = packageFolder("nnlab-types-");
  const file = path.join(dir, "model.ts");
  writeFileSync(file, SOURCE);
  const program = ts.createProgram([file], {
    strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16, skipLibCheck: true, types: ["node"],
  });
  const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  assert.deepEqual(diagnostics, []);
});
