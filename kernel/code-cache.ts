/**
 * V8's code cache kept on disk, for CommonJS code: `requireWithCodeCache` for one large file (the
 * checker's TypeScript), `ModuleCodeCache` for every module a worker loads (the runner's library).
 *
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
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
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

/** Writes `data` to `file` through a temporary file and a rename; a failure leaves nothing behind. */
function writeAtomically(file: string, data: () => Buffer | Uint8Array): void {
  const temporary = `${file}.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(temporary, data());
    renameSync(temporary, file);
  } catch {
    // A read-only or full disk: the next start compiles without the cache, as this one did.
    removeIfThere(temporary);
    return;
  }
  pruneStale(file);
}

/** Cache files of one name kept (the newest): a kernel started with other flags, or another installation, keeps its own. */
export const KEPT_PER_NAME = 4;

/**
 * Removes all but the newest KEPT_PER_NAME cache files named as `file` is (`<name>-<key>.v8cache`):
 * every new build, Node version or flag set writes a file of its own (TypeScript's is ~4 MB), and
 * the old ones would pile up for ever. One removed while a kernel still uses it costs that kernel's
 * next start a compile, nothing else.
 */
function pruneStale(file: string): void {
  const name = /^(.*)-[0-9a-f]{16}\.v8cache$/.exec(path.basename(file))?.[1];
  if (name === undefined) return;
  const dir = path.dirname(file);
  try {
    const siblings = readdirSync(dir)
      .filter((f) => f.startsWith(`${name}-`) && /^[0-9a-f]{16}\.v8cache$/.test(f.slice(name.length + 1)))
      .map((f) => ({ f, mtimeMs: stampOf(path.join(dir, f))?.mtimeMs ?? 0 }))
      .sort((a, b) => b.mtimeMs - a.mtimeMs);
    for (const { f } of siblings.slice(KEPT_PER_NAME)) if (f !== path.basename(file)) removeIfThere(path.join(dir, f));
  } catch {
    // The folder cannot be listed: nothing to prune.
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
      writeAtomically(cacheFile, () => script.createCachedData());
    },
  };
}

/**
 * A module that may call `import()` is left to Node: a script compiled here has no import()
 * callback once it comes from the cache (V8 drops it: ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING, Node
 * 20.20), and vm's USE_MAIN_CONTEXT_DEFAULT_LOADER is experimental and warns. The library has none.
 */
const DYNAMIC_IMPORT = /\bimport\s*\(/;

/** A module file as it is on disk: a cache entry is used only for the same size and modification time. */
interface Stamp { size: number; mtimeMs: number }

interface Compiled extends Stamp { script: vm.Script }

/** Node's loader internals that a compile hook needs (stable since Node 12; v8-compile-cache uses the same). */
interface LoaderInternals {
  prototype: { _compile(this: Module, content: string, filename: string, format?: string): unknown };
  wrap(content: string): string;
  _resolveFilename(request: string, parent: Module, isMain: boolean, options?: { paths?: string[] }): string;
  _resolveLookupPaths(request: string, parent: Module): string[] | null;
  _extensions: NodeJS.RequireExtensions;
  _cache: NodeJS.Dict<NodeModule>;
}
const loader = Module as unknown as LoaderInternals;

/** `require` as Node makes it for `mod` (makeRequireFunction, which is internal). */
function requireFor(mod: Module): NodeJS.Require {
  const req = ((id: string) => mod.require(id)) as NodeJS.Require;
  const resolve = ((request: string, options?: { paths?: string[] }) => loader._resolveFilename(request, mod, false, options)) as NodeJS.RequireResolve;
  resolve.paths = (request: string) => loader._resolveLookupPaths(request, mod);
  return Object.assign(req, { resolve, main: require.main, extensions: loader._extensions, cache: loader._cache });
}

/**
 * Reads a cache file: a 4-byte header length, the header (JSON: one `{file, size, mtimeMs, length}`
 * per module) and the modules' cached data one after another. Anything unreadable is an empty cache.
 */
function readEntries(file: string): Map<string, Stamp & { data: Buffer }> {
  const entries = new Map<string, Stamp & { data: Buffer }>();
  const blob = readOrUndefined(file);
  if (blob === undefined) return entries;
  try {
    const headerLength = blob.readUInt32LE(0);
    const header = JSON.parse(blob.subarray(4, 4 + headerLength).toString("utf8")) as ({ file: string; length: number } & Stamp)[];
    let offset = 4 + headerLength;
    for (const e of header) {
      if (typeof e.file !== "string" || !(e.length >= 0) || offset + e.length > blob.length) throw new Error("a corrupt cache file");
      entries.set(e.file, { size: e.size, mtimeMs: e.mtimeMs, data: blob.subarray(offset, offset + e.length) });
      offset += e.length;
    }
  } catch {
    entries.clear();
  }
  return entries;
}

function stampOf(file: string): Stamp | undefined {
  try {
    const { size, mtimeMs } = statSync(file);
    return { size, mtimeMs };
  } catch {
    return undefined;
  }
}

/**
 * V8's code cache for every CommonJS module that `require` compiles from now on in this thread
 * (those `include` accepts, without `import()`), kept in one file: the runner worker loads ~100
 * modules (the library, tfjs) into a fresh isolate at every kernel start and every reset, and
 * compiling them (and, once they run, their functions, lazily) was a good part of its CPU time. Node 20 has no compile cache
 * of its own (`module.enableCompileCache` is Node 22); the `v8-compile-cache` package writes its
 * cache only when the process exits, which a runner worker ended by `terminate()` never does, so
 * the cache is saved here explicitly, once the modules' hot code has run (`save()`).
 *
 * As `requireWithCodeCache`, it is only ever a speed-up: an entry is used only for a file of the
 * same size and modification time, V8 rejects data made by another V8 or with other flags (the
 * module then compiles as usual), an unreadable cache file is an empty cache, and the file is
 * written atomically. The cache file's name carries its scope, Node's version, the CPU architecture
 * and the process's flags, so installations and kernels started differently keep caches of their
 * own. Modules first loaded after save() (a cell's `require`) are cached only by a later save().
 */
export class ModuleCodeCache {
  /** What was read from the cache file. */
  private readonly entries: Map<string, Stamp & { data: Buffer }>;
  /** Modules compiled in this thread since install(). */
  private readonly compiled = new Map<string, Compiled>();
  private readonly original = loader.prototype._compile;
  /** Modules compiled from cached data, and without (none cached, stale, or rejected by V8). */
  hits = 0;
  misses = 0;
  readonly file: string;

  private constructor(name: string, private readonly include: (file: string) => boolean, dir: string, scope: string) {
    const key = createHash("sha256").update([name, scope, process.version, process.arch, ...process.execArgv].join("\0")).digest("hex").slice(0, 16);
    this.file = path.join(dir, `${name}-modules-${key}.v8cache`);
    this.entries = readEntries(this.file);
  }

  /**
   * Starts caching the modules `include` accepts that `require` compiles in this thread from now on.
   * `scope` (e.g. the installation's folder) keeps a cache file apart from others of the same name.
   */
  static install(name: string, include: (file: string) => boolean, dir = cacheDir(), scope = ""): ModuleCodeCache {
    const cache = new ModuleCodeCache(name, include, dir, scope);
    const original = cache.original;
    loader.prototype._compile = function (this: Module, content: string, filename: string, format?: string): unknown {
      if (format === "module" || !cache.include(filename) || DYNAMIC_IMPORT.test(content)) return original.call(this, content, filename, format);
      return cache.compile(this, content, filename);
    };
    return cache;
  }

  /** Compiles and runs one module as Node's `_compile` does, with cached data when there is some for it. */
  private compile(mod: Module, content: string, filename: string): unknown {
    const stamp = stampOf(filename) ?? { size: -1, mtimeMs: -1 };
    const known = this.entries.get(filename);
    const cachedData = known !== undefined && known.size === stamp.size && known.mtimeMs === stamp.mtimeMs ? known.data : undefined;
    // A hashbang is valid only at the very start of a script, which the wrapper is not.
    const source = content.startsWith("#!") ? `//${content.slice(2)}` : content;
    const script = new vm.Script(loader.wrap(source), { filename, cachedData });
    if (cachedData !== undefined && !script.cachedDataRejected) this.hits++;
    else this.misses++;
    this.compiled.set(filename, { script, ...stamp });
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    return wrapper.call(mod.exports, mod.exports, requireFor(mod), mod, filename, path.dirname(filename));
  }

  /**
   * Writes the cache file if any module compiled without cached data: every module compiled here,
   * with the functions compiled so far (call it once they have run), and the entries of the old
   * file for modules not loaded this time whose files are unchanged.
   */
  save(): void {
    if (this.misses === 0) return;
    this.misses = 0;
    writeAtomically(this.file, () => {
      const parts: { file: string; stamp: Stamp; data: Buffer | Uint8Array }[] = [];
      for (const [file, c] of this.compiled) parts.push({ file, stamp: c, data: c.script.createCachedData() });
      for (const [file, e] of this.entries) {
        const now = this.compiled.has(file) ? undefined : stampOf(file);
        if (now !== undefined && now.size === e.size && now.mtimeMs === e.mtimeMs) parts.push({ file, stamp: e, data: e.data });
      }
      const header = Buffer.from(JSON.stringify(parts.map((p) => ({ file: p.file, size: p.stamp.size, mtimeMs: p.stamp.mtimeMs, length: p.data.length }))));
      const length = Buffer.alloc(4);
      length.writeUInt32LE(header.length);
      return Buffer.concat([length, header, ...parts.map((p) => p.data)]);
    });
  }

  /** Stops caching: `require` compiles as Node does again. */
  uninstall(): void {
    loader.prototype._compile = this.original;
  }
}
