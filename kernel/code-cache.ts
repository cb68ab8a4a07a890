/**
 * `require` of one large CommonJS file with V8's code cache kept on disk. TypeScript's compiler is
 * one 8.7 MB file: compiling it took 300-550 ms of every kernel's start, and its parser then ran
 * cold. With the cache (written once, after the first cell has warmed the parser and checker up)
 * the load takes 90-190 ms and the first parse is faster too. Node 20 has no compile cache of its
 * own (`module.enableCompileCache` is Node 22).
 *
 * The cache is only ever a speed-up: a missing, stale, rejected or unwritable one means a plain
 * compile, and it is written atomically (temporary file, then rename), so concurrent kernels and a
 * full disk cannot leave a half-written file behind.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import Module from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import * as vm from "node:vm";

/** `$NNLAB_CACHE_DIR`, else `$XDG_CACHE_HOME/nnlab`, else `~/.cache/nnlab`. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.NNLAB_CACHE_DIR || path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "nnlab");
}

/** The cache file for `file` as it is now, for this Node and CPU architecture. */
export function cacheFileFor(file: string, dir: string): string {
  const { size, mtimeMs } = statSync(file);
  const key = createHash("sha256").update([file, size, mtimeMs, process.version, process.arch].join("\0")).digest("hex").slice(0, 16);
  return path.join(dir, `${path.basename(file, ".js")}-${key}.v8cache`);
}

export interface CachedModule {
  exports: unknown;
  /** Whether the code came from the cache. */
  fromCache: boolean;
  /** Writes the cache if it was missing or rejected (call it once the module's hot code has run). */
  save(): void;
}

function readOrUndefined(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

function removeIfThere(file: string): void {
  try {
    rmSync(file, { force: true });
  } catch {
    // Its folder is not there or not a folder: nothing was written.
  }
}

/** Loads `file` as `require` would (and into `require.cache`), compiling it with the code cache in `dir`. */
export function requireWithCodeCache(file: string, dir = cacheDir()): CachedModule {
  const cacheFile = cacheFileFor(file, dir);
  const cachedData = readOrUndefined(cacheFile);
  const script = new vm.Script(Module.wrap(readFileSync(file, "utf8")), { filename: file, cachedData });
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(file));
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
  mod.loaded = true;
  require.cache[file] = mod;
  const fromCache = cachedData !== undefined && !script.cachedDataRejected;
  let saved = fromCache;
  return {
    exports: mod.exports,
    fromCache,
    save(): void {
      if (saved) return;
      saved = true;
      const temporary = `${cacheFile}.${process.pid}.${Date.now()}.tmp`;
      try {
        mkdirSync(dir, { recursive: true });
        writeFileSync(temporary, script.createCachedData());
        renameSync(temporary, cacheFile);
      } catch {
        // A read-only or full disk: the next start compiles without the cache, as this one did.
        removeIfThere(temporary);
      }
    },
  };
}
