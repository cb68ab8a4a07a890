/**
 * The kernel with real Jupyter clients (Debian 12 packages): kernelspec discovery, the Jupyter
 * project's conformance suite, nbconvert --execute, and JupyterLab's own client library against a
 * `jupyter notebook` server started here.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { hasJupyter, jupyterEnv, notebook, PYTHON, requireClient } from "./jupyter";
import { startServer } from "../browser/servers";

const JUPYTER = hasJupyter();
const KERNEL_TEST_PY = path.resolve(__dirname, "..", "..", "..", "tests", "interop", "kernel_test.py");

test("jupyter kernelspec list shows the installed kernel", (t) => {
  if (!requireClient(t, JUPYTER, "jupyter (apt: jupyter-client)")) return;
  const env = jupyterEnv();
  const out = spawnSync("jupyter", ["kernelspec", "list", "--json"], { env, encoding: "utf8" });
  assert.equal(out.status, 0, out.stderr);
  const specs = JSON.parse(out.stdout).kernelspecs as Record<string, { resource_dir: string; spec: Record<string, unknown> }>;
  assert.equal(specs.nnlab.resource_dir, path.join(env.JUPYTER_DATA_DIR!, "kernels", "nnlab"));
  assert.equal(specs.nnlab.spec.display_name, "TypeScript (nnlab)");
  assert.equal(specs.nnlab.spec.interrupt_mode, "message");
});

test("jupyter_kernel_test passes every test it has, none skipped", (t) => {
  const suite = spawnSync(PYTHON, ["-c", "import jupyter_kernel_test"], { encoding: "utf8" }).status === 0;
  if (!requireClient(t, JUPYTER && suite, "jupyter_kernel_test (apt: python3-jupyter-kernel-test)")) return;
  const out = spawnSync(PYTHON, ["-m", "unittest", "-v", "kernel_test"], {
    cwd: path.dirname(KERNEL_TEST_PY), env: jupyterEnv(), encoding: "utf8", timeout: 240_000,
  });
  const report = out.stderr;
  assert.equal(out.status, 0, report);
  assert.match(report, /Ran 12 tests/);
  assert.equal(report.match(/ \.\.\. ok$/gm)?.length, 12, report);
  assert.doesNotMatch(report, /skipped/, report);
});

test("jupyter nbconvert --execute runs a notebook with this kernel", (t) => {
  if (!requireClient(t, JUPYTER, "jupyter nbconvert (apt: jupyter-nbconvert)")) return;
  const dir = mkdtempSync(path.join(os.tmpdir(), "nnlab-nbconvert-"));
  writeFileSync(path.join(dir, "lesson.ipynb"), notebook([
    "const x = torch.tensor([1, 2, 3]);\nx.sum()",
    "console.log('hello from', typeof nn.Conv2d);",
    "display.html('<b>bold</b>');",
  ]));
  const out = spawnSync("jupyter", ["nbconvert", "--to", "notebook", "--execute", "--output", "done.ipynb", "lesson.ipynb"], {
    cwd: dir, env: jupyterEnv(), encoding: "utf8", timeout: 180_000,
  });
  assert.equal(out.status, 0, out.stderr);
  // nbformat stores text as a list of lines.
  const done = JSON.parse(readFileSync(path.join(dir, "done.ipynb"), "utf8")) as { cells: { outputs: Record<string, unknown>[] }[] };
  const [sum, log, html] = done.cells.map((c) => c.outputs);
  assert.deepEqual(sum, [{ output_type: "execute_result", execution_count: 1, data: { "text/plain": ["tensor(6)"] }, metadata: {} }]);
  assert.deepEqual(log, [{ output_type: "stream", name: "stdout", text: ["hello from function\n"] }]);
  assert.equal(html[0].output_type, "display_data");
  assert.deepEqual((html[0].data as Record<string, unknown>)["text/html"], ["<b>bold</b>"]);
});

test("@jupyterlab/services starts a session on jupyter notebook and executes cells", async (t) => {
  if (!requireClient(t, JUPYTER, "jupyter notebook (apt: jupyter-notebook)")) return;
  const { ServerConnection, KernelManager, SessionManager } = await import("@jupyterlab/services");
  const WebSocket = (await import("ws")).default;
  const dir = mkdtempSync(path.join(os.tmpdir(), "nnlab-server-"));
  const server = await startServer("jupyter", "notebook", "NotebookApp", [`--notebook-dir=${dir}`], jupyterEnv(), "nnlab-test-token");
  const { url: baseUrl, token } = server;
  const wsUrl = baseUrl.replace(/^http/, "ws");
  try {
    const serverSettings = ServerConnection.makeSettings({
      baseUrl, wsUrl, token, appendToken: true,
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket, fetch,
    });
    const kernelManager = new KernelManager({ serverSettings });
    const sessions = new SessionManager({ kernelManager, serverSettings });
    const session = await sessions.startNew({ path: "lesson.ipynb", type: "notebook", name: "lesson.ipynb", kernel: { name: "nnlab" } });
    const kernel = session.kernel!;
    const run = async (code: string) => {
      const outputs: { type: string; content: Record<string, unknown> }[] = [];
      const future = kernel.requestExecute({ code });
      future.onIOPub = (msg) => {
        if (msg.header.msg_type !== "status" && msg.header.msg_type !== "execute_input") {
          outputs.push({ type: msg.header.msg_type, content: msg.content as Record<string, unknown> });
        }
      };
      const reply = await future.done;
      return { reply: reply.content as unknown as Record<string, unknown>, outputs };
    };
    const info = await kernel.info;
    assert.equal(info.language_info.name, "typescript");
    const first = await run("const w = torch.ones([2, 2]);\nconsole.log('shape', w.shape);\nw.sum().item()");
    assert.equal(first.reply.status, "ok");
    assert.deepEqual(first.outputs, [
      { type: "stream", content: { name: "stdout", text: "shape torch.Size([2, 2])\n" } },
      { type: "execute_result", content: { execution_count: 1, data: { "text/plain": "4" }, metadata: {} } },
    ]);
    const second = await run("w.shape[0] * 10");
    assert.deepEqual(second.outputs.map((o) => o.content.data), [{ "text/plain": "20" }]);
    await session.shutdown();
    sessions.dispose();
    kernelManager.dispose();
  } finally {
    await server.stop();
  }
  assert.doesNotMatch(server.log(), /Traceback/, server.log());
});
