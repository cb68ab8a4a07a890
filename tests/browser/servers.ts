/**
 * Jupyter servers started for browser tests: the classic Notebook from Debian and JupyterLab from
 * the venv `.ci/run` makes (`.venv-lab/`), each with its own config/data/runtime folders and this
 * kernel's spec on JUPYTER_PATH, bound to 127.0.0.1 with a token.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CLI } from "../interop/jupyter";
import { freePort } from "../../kernel/notebook/ports";

export { freePort };

export const ROOT = path.resolve(__dirname, "..", "..", "..");
/** Where `.ci/run` installs JupyterLab 4 from pip's local wheel index. */
export const LAB_JUPYTER = path.join(ROOT, ".venv-lab", "bin", "jupyter");

export function hasCommand(command: string, args: string[]): boolean {
  return spawnSync(command, args, { encoding: "utf8" }).status === 0;
}

/** A temp folder with `share/jupyter/kernels/nnlab` (for JUPYTER_PATH) and empty Jupyter user folders. */
export function jupyterHome(): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "nnlab-frontend-"));
  const install = spawnSync(process.execPath, [CLI, "install", "--prefix", path.join(dir, "prefix")], { encoding: "utf8" });
  if (install.status !== 0) throw new Error(`nnlab install --prefix failed: ${install.stderr}`);
  const env = {
    ...process.env,
    JUPYTER_PATH: path.join(dir, "prefix", "share", "jupyter"),
    JUPYTER_CONFIG_DIR: path.join(dir, "config"),
    JUPYTER_DATA_DIR: path.join(dir, "data"),
    JUPYTER_RUNTIME_DIR: path.join(dir, "runtime"),
    JUPYTER_PLATFORM_DIRS: "0",
    // The lecture's training cells run one epoch instead of ten.
    NNLAB_QUICK: "1",
  };
  return { dir, env };
}

/** JupyterLab user settings as JSON files under `dir` (JUPYTERLAB_SETTINGS_DIR). */
export function labSettings(dir: string, settings: Record<string, Record<string, unknown>>): string {
  for (const [plugin, values] of Object.entries(settings)) {
    const [pkg, name] = plugin.split(":") as [string, string];
    const folder = path.join(dir, ...pkg.split("/"));
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, `${name}.jupyterlab-settings`), JSON.stringify(values));
  }
  return dir;
}

export interface RunningServer {
  readonly url: string;
  readonly token: string;
  /** What the server wrote to stderr so far. */
  log(): string;
  stop(): Promise<void>;
}

/** Server starts tried before a port another process took (after freePort chose it) is an error. */
const PORT_ATTEMPTS = 3;

/**
 * Starts a Jupyter server, `command subcommand` with `args`, on a free port of 127.0.0.1 with
 * `token`, and waits until `GET api/kernelspecs` answers. `app` is the server's config class
 * (Notebook 6's NotebookApp, jupyter_server's ServerApp): through it the server is told not to move
 * to another port when its own is taken (its default, which once left a test polling the wrong port
 * for a minute); it exits instead, and starts again on a new port.
 */
export async function startServer(command: string, subcommand: string, app: "NotebookApp" | "ServerApp", args: string[],
  env: NodeJS.ProcessEnv, token: string): Promise<RunningServer> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const started = await startOn(command, [subcommand, "--no-browser", "--allow-root", "--ip=127.0.0.1", `--port=${port}`,
      `--${app}.port_retries=0`, `--${app}.token=${token}`, ...args], env, port, token);
    if (started.server) return started.server;
    if (attempt === PORT_ATTEMPTS || !/already in use/i.test(started.log)) throw new Error(`${command} ${subcommand} exited before it answered:\n${started.log}`);
  }
}

/** The running server, or the log of one that exited before it answered. */
async function startOn(command: string, args: string[], env: NodeJS.ProcessEnv, port: number, token: string): Promise<{ server?: RunningServer; log: string }> {
  const child: ChildProcess = spawn(command, args, { env, stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr!.on("data", (d: Buffer) => { log += d.toString(); });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // "close": its stderr has all of it (waited for only when it exited before it answered, since a
  // kernel it started would hold the pipe open).
  const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const url = `http://127.0.0.1:${port}/`;
  const server: RunningServer = {
    url, token, log: () => log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) {
      await closed;
      return { log };
    }
    const ok = await fetch(`${url}api/kernelspecs?token=${token}`).then((r) => r.ok, () => false);
    if (ok) return { server, log };
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`${command} did not answer at ${url} within 90 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
