/**
 * The shipped notebooks run from top to bottom under `jupyter nbconvert --execute` with this
 * kernel, with no error and nothing on stderr, and show what the lecture's slides show.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { hasJupyter, jupyterEnv, requireClient } from "./jupyter";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const NOTEBOOKS = path.join(ROOT, "notebooks");
const golden = JSON.parse(readFileSync(path.join(ROOT, "tests", "fixtures", "torch_reference.json"), "utf8"));

interface Output { output_type: string; name?: string; text?: string[]; data?: Record<string, unknown>; ename?: string; evalue?: string }
interface Cell { cell_type: string; outputs?: Output[] }

function execute(file: string): Cell[] {
  const out = mkdtempSync(path.join(os.tmpdir(), "nnlab-notebook-"));
  const run = spawnSync("jupyter", ["nbconvert", "--to", "notebook", "--execute", "--output-dir", out, "--output", "done.ipynb", file], {
    // The quick setting (a training subset, one epoch instead of the lecture's ten) keeps CI short; `npm start` runs them in full.
    cwd: NOTEBOOKS, env: { ...jupyterEnv(), NNLAB_QUICK: "1" }, encoding: "utf8", timeout: 900_000,
  });
  assert.equal(run.status, 0, run.stderr);
  return (JSON.parse(readFileSync(path.join(out, "done.ipynb"), "utf8")) as { cells: Cell[] }).cells;
}

const stdout = (cell: Cell) => (cell.outputs ?? []).filter((o) => o.name === "stdout").map((o) => o.text!.join("")).join("");

for (const file of readdirSync(NOTEBOOKS).filter((f) => f.endsWith(".ipynb")).sort()) {
  test(`notebooks/${file} runs without an error or stderr output`, (t) => {
    if (!requireClient(t, hasJupyter(), "jupyter nbconvert (apt: jupyter-nbconvert)")) return;
    const cells = execute(file).filter((c) => c.cell_type === "code");
    for (const [i, cell] of cells.entries()) {
      for (const o of cell.outputs ?? []) {
        assert.notEqual(o.output_type, "error", `code cell ${i}: ${o.ename}: ${o.evalue}`);
        assert.notEqual(o.name, "stderr", `code cell ${i} wrote to stderr: ${o.text?.join("")}`);
      }
    }
    if (file === "10-4-convolutional-layer.ipynb") {
      const [shapes, padding, stride, pool, pictures] = cells;
      const printed = golden.slides.printed;
      assert.equal(stdout(shapes), printed.shapes + "\n");
      assert.equal(stdout(padding), printed.padding1 + "\n");
      assert.equal(stdout(stride), printed.stride2 + "\n");
      assert.equal(stdout(pool), printed.maxpool2 + "\n");
      assert.deepEqual(pictures.outputs!.map((o) => Object.keys(o.data ?? {}).sort()), [["image/png", "text/plain"], ["image/png", "text/plain"]]);
    }
    if (file.endsWith("-mnist.ipynb")) {
      // After one epoch the lecture's nets are far above chance (10 %): CNN ~95 %, FC ~89 %.
      const accuracy = Number(cells.flatMap((c) => c.outputs ?? []).find((o) => o.output_type === "execute_result" && /^0\.\d+$/.test(String((o.data!["text/plain"] as string[]).join(""))))?.data!["text/plain"]);
      assert.ok(accuracy > 0.85, `test accuracy after one epoch: ${accuracy}`);
      const text = cells.map(stdout).join("");
      assert.match(text, /^ \[1,   300\] loss: \d\.\d{3}$/m);
      assert.match(text, /^Accuracy on test set: \d+ % \[\d+\/10000\]$/m);
      const charts = cells.flatMap((c) => c.outputs ?? []).filter((o) => o.data?.["application/vnd.vegalite.v5+json"]);
      assert.equal(charts.length, 2, "the loss and accuracy live charts");
    }
  });
}
