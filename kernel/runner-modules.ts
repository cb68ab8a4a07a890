/**
 * The runner worker's module code cache (ModuleCodeCache), installed as this file loads: it is
 * runner.ts's first import, so every module loaded after it (the kernel's, the library, tfjs)
 * compiles with V8's cached data, at each kernel start and each reset (a fresh isolate each time).
 */
import * as path from "node:path";
import { ModuleCodeCache } from "./code-cache";
import { PROJECT_ROOT } from "./prelude";

const NODE_MODULES = `${path.sep}node_modules${path.sep}`;

/** This project's files and installed packages; not a notebook's own .js files. */
export const isLibraryFile = (file: string): boolean => file.startsWith(PROJECT_ROOT + path.sep) || file.includes(NODE_MODULES);

/** Saved by the runner once the library has loaded and started (runner.ts, init); one cache file per installation. */
export const runnerModules = ModuleCodeCache.install("runner", isLibraryFile, undefined, PROJECT_ROOT);
