/**
 * Writing the kernelspec where Jupyter looks for it (jupyter_client's KernelSpecManager paths),
 * without Python: kernel.json with an absolute node path, plus the logo files front ends show.
 */
import { existsSync, mkdirSync, realpathSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { KernelspecError } from "./errors";

export const DEFAULT_NAME = "nnlab";

export type InstallTarget = { kind: "user" } | { kind: "sys-prefix" } | { kind: "prefix"; dir: string };

/** Jupyter's per-user data dir on Linux/macOS: $JUPYTER_DATA_DIR, else $XDG_DATA_HOME/jupyter, else ~/.local/share/jupyter. */
export function userDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.JUPYTER_DATA_DIR) return env.JUPYTER_DATA_DIR;
  if (process.platform === "darwin") return path.join(os.homedir(), "Library", "Jupyter");
  return path.join(env.XDG_DATA_HOME || path.join(os.homedir(), ".local", "share"), "jupyter");
}

/** Python's sys.prefix, found without Python: the active virtualenv/conda env, else the prefix of `jupyter` on PATH. */
export function sysPrefix(env: NodeJS.ProcessEnv = process.env): string {
  const active = env.VIRTUAL_ENV || env.CONDA_PREFIX;
  if (active) return active;
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    const jupyter = path.join(dir, "jupyter");
    if (dir && existsSync(jupyter)) return path.dirname(path.dirname(realpathSync(jupyter)));
  }
  throw new KernelspecError("--sys-prefix needs an active virtualenv/conda env or `jupyter` on PATH; use --prefix DIR or --user instead");
}

export function kernelsDir(target: InstallTarget, env: NodeJS.ProcessEnv = process.env): string {
  switch (target.kind) {
    case "user": return path.join(userDataDir(env), "kernels");
    case "sys-prefix": return path.join(sysPrefix(env), "share", "jupyter", "kernels");
    case "prefix": return path.join(path.resolve(target.dir), "share", "jupyter", "kernels");
  }
}

export function kernelJson(name: string, cliPath: string, nodePath = process.execPath): Record<string, unknown> {
  return {
    argv: [nodePath, cliPath, "kernel", "{connection_file}"],
    display_name: `TypeScript (${name})`,
    language: "typescript",
    interrupt_mode: "message",
    env: {},
    metadata: { debugger: false },
  };
}

/** A small network drawing (no text, so no fonts are needed to render it). */
export const LOGO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64">
<rect width="64" height="64" rx="12" fill="#3178c6"/>
<g stroke="#ffffff" stroke-width="2.5" opacity="0.8">
<line x1="14" y1="18" x2="32" y2="32"/><line x1="14" y1="46" x2="32" y2="32"/>
<line x1="14" y1="18" x2="32" y2="14"/><line x1="14" y1="46" x2="32" y2="50"/>
<line x1="32" y1="14" x2="50" y2="32"/><line x1="32" y1="32" x2="50" y2="32"/><line x1="32" y1="50" x2="50" y2="32"/>
</g>
<g fill="#ee4c2c" stroke="#ffffff" stroke-width="2">
<circle cx="14" cy="18" r="6"/><circle cx="14" cy="46" r="6"/>
<circle cx="32" cy="14" r="5"/><circle cx="32" cy="32" r="5"/><circle cx="32" cy="50" r="5"/>
<circle cx="50" cy="32" r="7"/>
</g>
</svg>
`;

function renderPng(svg: string, size: number): Buffer {
  const { Resvg } = require("@resvg/resvg-js") as typeof import("@resvg/resvg-js");
  return Buffer.from(new Resvg(svg, { fitTo: { mode: "width", value: size }, font: { loadSystemFonts: false } }).render().asPng());
}

/** Writes `<kernels>/<name>/{kernel.json, logo-32x32.png, logo-64x64.png, logo-svg.svg}`; returns the folder. */
export function installKernelspec(target: InstallTarget, name = DEFAULT_NAME, cliPath = path.join(__dirname, "cli.js")): string {
  if (!/^[a-zA-Z0-9._-]+$/.test(name)) {
    throw new KernelspecError(`kernel name ${JSON.stringify(name)} may only use letters, digits, ".", "_" and "-" (Jupyter's rule)`);
  }
  const dir = path.join(kernelsDir(target), name.toLowerCase());
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "kernel.json"), JSON.stringify(kernelJson(name, path.resolve(cliPath)), null, 2) + "\n");
  writeFileSync(path.join(dir, "logo-svg.svg"), LOGO_SVG);
  for (const size of [32, 64]) writeFileSync(path.join(dir, `logo-${size}x${size}.png`), renderPng(LOGO_SVG, size));
  return dir;
}
