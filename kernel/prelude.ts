/**
 * What every notebook starts with, without imports: the library's lecture names and the kernel's
 * own cell API (input/prompt). The checker type-checks `preludeSource(...)` once so that later
 * cells see these declarations; the runner binds the same names to the loaded modules.
 */
import * as path from "node:path";

/** The library preloaded into every notebook (resolved from this project, see PROJECT_ROOT). */
export const PRELUDE_MODULE = "nnlab";
export const PRELUDE_NAMES = ["torch", "nn", "F", "optim", "data", "datasets", "transforms", "DataLoader", "enumerate", "progress", "display", "plot", "clearOutput"];

/** The repository root: dist/kernel/*.js sits two folders below it. */
export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

/** The kernel's own cell API (kernel/api.ts), imported by absolute path so any notebook folder finds it. */
export const KERNEL_API_MODULE = path.join(__dirname, "api");
export const KERNEL_API_NAMES = ["input", "prompt"];

/** The assignment API (kernel/assign/api.ts): grade() for test cells, check() for students. */
export const ASSIGN_API_MODULE = path.join(__dirname, "assign", "api");
export const ASSIGN_API_NAMES = ["grade", "check"];

export interface PreludeBinding { module: string; names: string[] }

/** Only names the library really exports are declared, so a missing export cannot break every cell. */
export function preludeBindings(libraryExports: readonly string[]): PreludeBinding[] {
  const available = new Set(libraryExports);
  const fromLibrary = PRELUDE_NAMES.filter((n) => available.has(n));
  return [
    { module: PRELUDE_MODULE, names: fromLibrary },
    { module: KERNEL_API_MODULE, names: KERNEL_API_NAMES.filter((n) => !available.has(n)) },
    { module: ASSIGN_API_MODULE, names: ASSIGN_API_NAMES.filter((n) => !available.has(n)) },
  ].filter((b) => b.names.length > 0);
}

export function preludeSource(bindings: readonly PreludeBinding[]): string {
  return bindings.map((b) => `import { ${b.names.join(", ")} } from ${JSON.stringify(b.module)};\n`).join("");
}
