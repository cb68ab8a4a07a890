/**
 * A class on JupyterHub: Debian's jupyterhub and configurable-http-proxy started with the sample
 * deploy/jupyterhub_config.py, six students logging in through the hub's REST API, each starting a
 * server and running a lecture cell through `@jupyterlab/services` (JupyterLab's own client) via the
 * hub's proxy. Each kernel's idle memory is recorded; nothing is left running afterwards.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { requireClient } from "../interop/jupyter";
import { freePort, jupyterHome, ROOT } from "../browser/servers";

const CONFIG = path.join(ROOT, "deploy", "jupyterhub_config.py");
const STUDENTS = ["ada", "alan", "grace", "edsger", "barbara", "donald"];
const PASSWORD = "lecture-10";

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const clean of cleanups.reverse()) await clean();
});

/** Processes whose command line or working folder lies under `dir` (the hub's servers and kernels run there). */
function processesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
      if (cmdline.includes(dir) || readlinkSync(`/proc/${pid}/cwd`).startsWith(dir)) found.push(`${pid}: ${cmdline}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Resident memory in MB of the one process `matches` picks (by its pid and command line). */
function rssMb(what: string, matches: (pid: string, cmdline: string) => boolean): number {
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      if (!matches(pid, readFileSync(`/proc/${pid}/cmdline`, "utf8"))) continue;
      const kb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]);
      return Math.round(kb / 1024);
    } catch {
      // gone meanwhile
    }
  }
  throw new Error(`no process for ${what}`);
}
/** The kernel process Jupyter started with `kernel-<id>.json`. */
const kernelRssMb = (id: string) => rssMb(`kernel ${id}`, (_, cmdline) => cmdline.includes(`kernel-${id}.json`));
/** The student's notebook server: jupyterhub-singleuser, working in the student's home. */
const serverRssMb = (home: string) => rssMb(`server in ${home}`, (pid, cmdline) => cmdline.includes("jupyterhub-singleuser") && readlinkSync(`/proc/${pid}/cwd`) === home);

async function hubApi(url: string, method: string, pathname: string, token: string | undefined, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(`${url}hub/api/${pathname}`, {
    method, headers: { ...(token ? { Authorization: `token ${token}` } : {}), "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : {} };
}

/** `promise`, or an error naming `what` after `ms` (a hung step fails with its name, not at the test's timeout). */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: not within ${ms / 1000} s`)), ms); });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  for (const deadline = Date.now() + ms; ;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** The lecture's max-pooling slide with the input scaled by `k`: student k must get 4k 8k / 9k 8k. */
const maxPoolCell = (k: number) => `const poolInput = torch.Tensor([3, 4, 6, 5,
                                2, 4, 6, 8,
                                1, 6, 7, 8,
                                9, 7, 4, 6]).view(1, 1, 4, 4).mul(${k});
const maxpoolingLayer = new nn.MaxPool2d(2);
console.log(maxpoolingLayer(poolInput));`;

test("JupyterHub: six students log in, get their own server with the nnlab kernel as default, and each gets its own answer", { timeout: 480_000 }, async (t) => {
  const hub = spawnSync("jupyterhub", ["--version"], { encoding: "utf8" }).status === 0
    && spawnSync("env", ["NODE_PATH=/usr/share/nodejs", "configurable-http-proxy", "--version"], { encoding: "utf8" }).status === 0;
  if (!requireClient(t, hub, "jupyterhub and configurable-http-proxy (apt: jupyterhub)")) return;
  const { ServerConnection, SessionManager, KernelManager } = await import("@jupyterlab/services");
  const WebSocket = (await import("ws")).default;

  const { dir: jupyter, env } = jupyterHome();
  const dir = mkdtempSync(path.join(os.tmpdir(), "nnlab-hub-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => rmSync(jupyter, { recursive: true, force: true }));
  writeFileSync(path.join(dir, "students.txt"), STUDENTS.join("\n") + "\n");
  const [port, apiPort, hubPort] = [await freePort(), await freePort(), await freePort()];
  // The sample config as it is, with free ports and homes inside this test's folder; the hub
  // keeps its database and cookie secret in its working folder.
  const child = spawn("jupyterhub", ["-f", CONFIG, `--JupyterHub.bind_url=http://127.0.0.1:${port}`, `--JupyterHub.hub_port=${hubPort}`,
    `--ConfigurableHTTPProxy.api_url=http://127.0.0.1:${apiPort}`, `--SimpleLocalProcessSpawner.home_dir_template=${dir}/home/{username}`], {
    cwd: dir, env: { ...env, NNLAB_CLASS_LIST: path.join(dir, "students.txt"), NNLAB_CLASS_PASSWORD: PASSWORD }, stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  child.stderr!.on("data", (d: Buffer) => { log += d.toString(); });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  cleanups.push(async () => {
    if (child.exitCode === null) child.kill("SIGTERM");
    await exited;
  });
  const url = `http://127.0.0.1:${port}/`;
  await until("the hub answering through its proxy", 90_000, async () => (await fetch(`${url}hub/api/`)).ok || undefined)
    .catch((e: Error) => { throw new Error(`${e.message}\n${log}`); });

  // Logging in through the REST API: a token for each student, given their password.
  const refused = await hubApi(url, "POST", "users/ada/tokens", undefined, { auth: { username: "ada", password: "wrong" } });
  assert.equal(refused.status, 403, "a wrong password gets no token");
  const tokens = new Map<string, string>();
  for (const name of STUDENTS) {
    const login = await hubApi(url, "POST", `users/${name}/tokens`, undefined, { auth: { username: name, password: PASSWORD } });
    assert.equal(login.status, 201, JSON.stringify(login.json));
    tokens.set(name, login.json.token as string);
  }
  for (const name of STUDENTS) {
    const start = await hubApi(url, "POST", `users/${name}/server`, tokens.get(name));
    assert.ok([201, 202].includes(start.status), `starting ${name}'s server: ${start.status} ${JSON.stringify(start.json)}`);
  }
  for (const name of STUDENTS) {
    await until(`${name}'s server ready`, 120_000, async () =>
      ((await hubApi(url, "GET", `users/${name}`, tokens.get(name))).json.servers as Record<string, { ready: boolean }>)[""]?.ready || undefined);
  }

  // Each student, at the same time: a session with no kernel named (the default must be nnlab),
  // then the lecture's max-pooling cell with their own factor.
  const results = await Promise.all(STUDENTS.map(async (name, i) => {
    const serverSettings = ServerConnection.makeSettings({
      baseUrl: `${url}user/${name}/`, wsUrl: `ws://127.0.0.1:${port}/user/${name}/`, token: tokens.get(name)!, appendToken: true,
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket, fetch,
    });
    const kernelManager = new KernelManager({ serverSettings });
    const sessions = new SessionManager({ kernelManager, serverSettings });
    const session = await sessions.startNew({ path: "lecture.ipynb", type: "notebook", name: "lecture.ipynb" });
    const kernel = session.kernel!;
    await within(120_000, `${name}'s kernel_info`, kernel.info);
    let printed = "";
    const future = kernel.requestExecute({ code: maxPoolCell(i + 1) });
    future.onIOPub = (msg) => {
      if (msg.header.msg_type === "stream") printed += (msg.content as { text: string }).text;
    };
    const reply = await within(120_000, `${name}'s lecture cell`, future.done);
    // Idle: the cell done and a moment for the workers to settle, as a student's kernel sits between cells.
    await new Promise((r) => setTimeout(r, 2000));
    const idleMb = kernelRssMb(kernel.id), serverMb = serverRssMb(path.join(dir, "home", name));
    const result = { name, kernelName: kernel.name, status: reply.content.status, printed, idleMb, serverMb };
    // A shutdown the client never sees finish is no wrong answer: stopping the servers below ends
    // every kernel, and the test checks that no process is left.
    await within(30_000, `${name}'s session shutdown`, session.shutdown()).catch((e: Error) => t.diagnostic(e.message));
    sessions.dispose();
    kernelManager.dispose();
    return result;
  }));

  for (const [i, r] of results.entries()) {
    const k = i + 1;
    assert.equal(r.kernelName, "nnlab", `${r.name}'s default kernel`);
    assert.equal(r.status, "ok");
    assert.match(r.printed, /^tensor\(\[\[\[\[.*\]\]\]\]\)\n$/s);
    assert.deepEqual(r.printed.match(/\d+(?=\.)/g)!.map(Number), [4 * k, 8 * k, 9 * k, 8 * k], `${r.name}'s own answer: ${r.printed}`);
    t.diagnostic(`${r.name}: idle kernel RSS ${r.idleMb} MB after the lecture cell; notebook server ${r.serverMb} MB`);
  }

  // Shut down: each server through the API, then the hub, which stops its proxy.
  for (const name of STUDENTS) {
    const stop = await hubApi(url, "DELETE", `users/${name}/server`, tokens.get(name));
    assert.ok([202, 204].includes(stop.status), `stopping ${name}'s server: ${stop.status}`);
  }
  for (const name of STUDENTS) {
    await until(`${name}'s server stopped`, 60_000, async () =>
      Object.keys((await hubApi(url, "GET", `users/${name}`, tokens.get(name))).json.servers as object).length === 0 || undefined);
  }
  child.kill("SIGTERM");
  await exited;
  const proxyLeft = spawnSync("pgrep", ["-f", `configurable-http-proxy.*${apiPort}`], { encoding: "utf8" }).stdout.trim();
  assert.deepEqual([...processesUnder(dir), ...processesUnder(jupyter), ...(proxyLeft ? [`proxy ${proxyLeft}`] : [])], [], "processes left running");
  assert.doesNotMatch(log, /Traceback/, log);
});
