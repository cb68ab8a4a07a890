/**
 * The runner worker: executes compiled cells and keeps the notebook's variables. It runs apart from
 * the sockets so that an interrupt reaches it while a cell loops: the main thread writes the
 * execution id to stop into shared memory, and every loop body in a cell calls `tick()`.
 */
// First: the modules imported after it compile with the code cache it installs.
import { runnerModules } from "./runner-modules";
import { AsyncLocalStorage } from "node:async_hooks";
import Module, { createRequire } from "node:module";
import * as path from "node:path";
import { inspect, TextDecoder } from "node:util";
import * as vm from "node:vm";
import { workerData } from "node:worker_threads";
import { setDisplaySink, toBundle, type DisplayMetadata, type MimeBundle } from "../lib/display/protocol";
import { flushDisplays } from "../lib/display/pending";
import { setOpHook } from "../lib/backend/op-hook";
import { INPUT_HOOK, type InputOptions } from "./api";
import { BIND_FUNCTION, cellFileName, DECLARE_FUNCTION, describe, EXPORT_FUNCTION, TICK_FUNCTION, traceback, wrapCell, type CellMaps, type CellSource } from "./cells";
import { KeyboardInterrupt, StdinNotAvailableError } from "./errors";
import { PRELUDE_MODULE, PROJECT_ROOT, preludeBindings, type PreludeBinding } from "./prelude";
import { POKE_FUNCTION } from "./poke";
import { emit, serve } from "./rpc";

export interface RunnerData {
  /** Int32[0]: the execution id the user asked to stop (0: none). */
  interrupt: SharedArrayBuffer;
  /** Int32[0]: 0 waiting, 1 answered, 2 interrupted; Int32[1]: byte length; bytes from offset 8. */
  stdin: SharedArrayBuffer;
  /** Whether the main thread pokes this worker after writing `interrupt` (poke.ts); without, loops read `interrupt`. */
  poked: boolean;
}

export interface ExecuteRequest {
  id: number;
  label: string;
  source: string;
  code?: string;
  maps?: CellMaps;
  lastExpressionVar?: string;
  hasToplevelAwait: boolean;
  sideOutputs: { path: string; data: string }[];
  allowStdin: boolean;
}

export type ExecuteOutcome =
  | { status: "ok"; result?: { data: MimeBundle; metadata: DisplayMetadata } }
  | { status: "error"; ename: string; evalue: string; traceback: string[] };

class CellRun {
  interrupted = false;
  rejectWait?: (e: Error) => void;
  unhandled: unknown[] = [];
  constructor(readonly id: number, readonly allowStdin: boolean) {}
}

const data = workerData as RunnerData;
const interruptFlag = new Int32Array(data.interrupt);
const stdinState = new Int32Array(data.stdin, 0, 2);
const stdinBytes = new Uint8Array(data.stdin, 8);
const context = new AsyncLocalStorage<CellRun>();
const running = new Map<number, CellRun>();
const cells = new Map<string, CellSource>();
/** Cells interrupted while still pending somewhere (an await that never came back). */
let zombies = 0;
let current: CellRun | undefined;
let lastId = 0;

// ---- interrupts ------------------------------------------------------------------------------

/**
 * Whether the next `tick()` looks at the interrupt flag: a global, set by the main thread's poke
 * (poke.ts) after it writes the flag, and kept while an interrupted cell is still pending somewhere.
 * A global that never changed is a constant to V8's optimizing compiler: `tick()` inlined in a loop
 * costs nothing until the first interrupt (the poke's change deoptimizes the loop's code, which then
 * reads the global: a load and a compare per iteration, as cheap as a plain variable).
 */
declare const __nnlab_attention: boolean;
const ATTENTION_GLOBAL = "__nnlab_attention";

function setAttention(on: boolean): void {
  const global = globalThis as Record<string, unknown>;
  if (global[ATTENTION_GLOBAL] !== on) global[ATTENTION_GLOBAL] = on;
}

/** Called in every loop iteration of every cell when the main thread can poke. */
function tick(): void {
  if (__nnlab_attention) checkInterrupt();
}

/**
 * The tick without pokes: a plain read of the shared flag (an Atomics.load costs 30 ns, 4x the loop
 * body of a tight loop; a plain read still sees the kernel's store, since V8 does not hoist
 * typed-array loads out of loops), the exchange in checkInterrupt is atomic.
 */
function sharedTick(): void {
  if (interruptFlag[0] !== 0 || zombies !== 0) checkInterrupt();
}

function checkInterrupt(): void {
  takeInterruptRequest();
  setAttention(zombies !== 0);
  if (context.getStore()?.interrupted) throw new KeyboardInterrupt();
}

function takeInterruptRequest(): void {
  const id = Atomics.exchange(interruptFlag, 0, 0);
  const run = running.get(id);
  if (!run || run.interrupted) return;
  run.interrupted = true;
  zombies++;
  setAttention(true);
  run.rejectWait?.(new KeyboardInterrupt());
}

/** Waits for `promise` unless the run is interrupted first (then rejects with KeyboardInterrupt). */
function unlessInterrupted<T>(run: CellRun, promise: PromiseLike<T>): Promise<T> {
  if (run.interrupted) return Promise.reject(new KeyboardInterrupt());
  return Promise.race([promise, new Promise<never>((_, reject) => { run.rejectWait = reject; })]);
}

// ---- output ----------------------------------------------------------------------------------

function outputId(): number {
  return context.getStore()?.id ?? current?.id ?? lastId;
}

/**
 * Each write goes to the kernel's main thread at once: a timer here could not fire while a cell's
 * loop blocks this thread. The main thread merges them into messages (language.ts, StreamMerger).
 */
function writeStream(name: "stdout" | "stderr", id: number, text: string): void {
  emit({ event: "stream", id, name, text });
}
const decoder = new TextDecoder();

function captureStream(name: "stdout" | "stderr"): void {
  const stream = process[name];
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    writeStream(name, outputId(), typeof chunk === "string" ? chunk : decoder.decode(chunk));
    const callback = rest.find((r) => typeof r === "function") as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof stream.write;
}

function post(event: string, fields: Record<string, unknown>): void {
  emit({ event, id: outputId(), ...fields });
}

setDisplaySink({
  display: (bundle, metadata, displayId) => post("display", { data: bundle, metadata, displayId }),
  update: (bundle, metadata, displayId) => post("update", { data: bundle, metadata, displayId }),
  clear: (wait) => post("clear", { wait }),
});

function readInput(promptText = "", options: InputOptions = {}): string {
  const run = context.getStore() ?? current;
  if (!run) throw new StdinNotAvailableError("no cell is running");
  if (!run.allowStdin) throw new StdinNotAvailableError("this front end does not accept input requests (allow_stdin is false)");
  Atomics.store(stdinState, 0, 0);
  post("input", { prompt: promptText, password: options.password === true });
  Atomics.wait(stdinState, 0, 0);
  if (Atomics.load(stdinState, 0) === 2) throw new KeyboardInterrupt();
  return decoder.decode(stdinBytes.slice(0, stdinState[1]));
}

// ---- modules ---------------------------------------------------------------------------------

const cwd = process.cwd();
/** The compiled library and kernel: their frames are collapsed in tracebacks. */
const LIBRARY_CODE = path.join(PROJECT_ROOT, "dist") + path.sep;
const fromNotebook = createRequire(path.join(cwd, "__notebook__.js"));
const fromProject = createRequire(path.join(PROJECT_ROOT, "package.json"));
/** Local .ts files a cell imports, compiled by the checker (tslab's "side outputs"). */
const sideOutputs = new Map<string, string>();
const sideModules = new Map<string, Module>();
/** ES modules that `require` cannot load (top-level await, import-only exports), imported ahead. */
const esModules = new Map<string, unknown>();

function isRelative(id: string): boolean {
  return id.startsWith("./") || id.startsWith("../") || path.isAbsolute(id);
}

function makeRequire(dir: string): NodeJS.Require {
  const base = dir === cwd ? fromNotebook : createRequire(path.join(dir, "__module__.js"));
  const req = ((id: string) => {
    if (id === PRELUDE_MODULE || id.startsWith(`${PRELUDE_MODULE}/`)) return fromProject(id);
    const local = loadSideOutput(dir, id);
    if (local) return local.exports;
    const esm = esModules.get(esmKey(dir, id));
    if (esm) return esm;
    try {
      return base(id);
    } catch (e) {
      if ((e as { code?: string }).code === "MODULE_NOT_FOUND" && !isRelative(id)) return fromProject(id);
      throw e;
    }
  }) as NodeJS.Require;
  return Object.assign(req, { resolve: base.resolve, cache: base.cache, main: base.main, extensions: base.extensions });
}

function loadSideOutput(dir: string, id: string): Module | undefined {
  if (!isRelative(id)) return undefined;
  let file = path.resolve(dir, id);
  if (path.extname(file) === "") file += ".js";
  const cached = sideModules.get(file);
  if (cached) return cached;
  const source = sideOutputs.get(file);
  if (source === undefined) return undefined;
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = (Module as unknown as { _nodeModulePaths(d: string): string[] })._nodeModulePaths(path.dirname(file));
  mod.require = makeRequire(path.dirname(file));
  (mod as unknown as { _compile(src: string, file: string): void })._compile(source, file);
  sideModules.set(file, mod);
  return mod;
}

function esmKey(dir: string, id: string): string {
  return isRelative(id) ? path.resolve(dir, id) : id;
}

const importers = new Map<string, (id: string) => Promise<Record<string, unknown>>>();
function importFrom(dir: string, id: string): Promise<Record<string, unknown>> {
  let importer = importers.get(dir);
  if (!importer) {
    importer = vm.runInThisContext("(id) => import(id)", {
      filename: path.join(dir, "__nnlab_import__.js"),
      importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    }) as (id: string) => Promise<Record<string, unknown>>;
    importers.set(dir, importer);
  }
  return importer(id);
}

const ESM_ONLY = new Set(["ERR_REQUIRE_ESM", "ERR_REQUIRE_ASYNC_MODULE", "ERR_PACKAGE_PATH_NOT_EXPORTED"]);

/** `import x from "esm-only"` compiles to require(); modules require cannot load are imported first. */
async function importEsModules(code: string): Promise<void> {
  const req = makeRequire(cwd);
  for (const [, id] of code.matchAll(/\brequire\("([^"]+)"\)/g)) {
    if (esModules.has(esmKey(cwd, id))) continue;
    try {
      req(id);
    } catch (e) {
      if (!ESM_ONLY.has((e as { code?: string }).code ?? "")) continue;
      const namespace = await importFrom(cwd, id).catch((err: { code?: string }) => {
        if (err.code !== "ERR_MODULE_NOT_FOUND" || isRelative(id)) throw err;
        return importFrom(PROJECT_ROOT, id);
      });
      // __esModule makes the compiled `import x from` pick the module's default export.
      esModules.set(esmKey(cwd, id), { ...namespace, __esModule: true });
    }
  }
}

/**
 * Every top-level name of every cell (tslab compiles `let x` to `exports.x`). A cell's own
 * variables are accessors of its locals (bindName), imports and prelude names plain data
 * (exportName); both are configurable, so later cells can redeclare any name.
 */
const notebookExports: Record<string, unknown> = {};
// Redeclaring a name redefines its property, which turns an object into a slow dictionary, and a
// later cell's loop updating an earlier cell's variable then took 0.5 µs per iteration (5.2 s for
// bench/live.ts's 1e7). V8 turns an object that is some object's prototype back into fast
// properties when code reads it: made one, the same loop runs as fast as on a plain object.
Object.create(notebookExports);

const DATA = { writable: true, enumerable: true, configurable: true } as const;
/** EXPORT_FUNCTION: an import becomes a data property holding its value at import time. */
function exportName(target: Record<string, unknown>, name: string, attributes: PropertyDescriptor): Record<string, unknown> {
  if (name !== "__esModule") Object.defineProperty(target, name, { ...DATA, value: attributes.get ? attributes.get() : attributes.value });
  return target;
}
/** DECLARE_FUNCTION: the names a cell declares are undefined until the cell reaches them. */
function declareNames(target: Record<string, unknown>, names: string[]): void {
  for (const name of names) Object.defineProperty(target, name, { ...DATA, value: undefined });
}
/** BIND_FUNCTION: `name` reads and writes a local of the cell that declared it; a const's setter throws. */
function bindName(target: Record<string, unknown>, name: string, get: () => unknown, set?: (value: unknown) => void): void {
  const readOnly = () => { throw new TypeError(`Assignment to constant variable '${name}' (declared with const).`); };
  Object.defineProperty(target, name, { get, set: set ?? readOnly, enumerable: true, configurable: true });
}
const cellRequire = makeRequire(cwd);

function isDisplayHandle(value: unknown): boolean {
  const v = value as { displayId?: unknown; update?: unknown; clear?: unknown } | null;
  return typeof v === "object" && v !== null && typeof v.displayId === "string" &&
    typeof v.update === "function" && typeof v.clear === "function";
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null &&
    typeof (value as { then?: unknown }).then === "function";
}

// ---- execution -------------------------------------------------------------------------------

async function execute(req: ExecuteRequest): Promise<ExecuteOutcome> {
  const run = new CellRun(req.id, req.allowStdin);
  const stale = Atomics.load(interruptFlag, 0);
  if (stale !== 0 && stale !== req.id) Atomics.compareExchange(interruptFlag, 0, stale, 0);
  running.set(req.id, run);
  current = run;
  lastId = req.id;
  const file = cellFileName(req.id);
  cells.set(file, { label: req.label, source: req.source, maps: req.maps });
  for (const out of req.sideOutputs) {
    sideModules.delete(out.path);
    sideOutputs.set(out.path, out.data);
  }
  try {
    if (req.code === undefined) return { status: "ok" };
    await importEsModules(req.code);
    const body = vm.runInThisContext(wrapCell(req.code, req.hasToplevelAwait), {
      filename: file,
      importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    }) as (exports: unknown, require: unknown) => unknown;
    const settled = settle(run, () => body(notebookExports, cellRequire));
    await unlessInterrupted(run, settled);
    let value = req.lastExpressionVar === undefined ? undefined : notebookExports[req.lastExpressionVar];
    // Cleared, not deleted: deleting would turn the object into a slow dictionary for good.
    if (req.lastExpressionVar !== undefined) notebookExports[req.lastExpressionVar] = undefined;
    if (isThenable(value)) value = await unlessInterrupted(run, value);
    // A promise nobody awaited fails after the last statement: give it one turn to be reported here.
    await new Promise((resolve) => setImmediate(resolve));
    if (run.unhandled.length > 0) throw run.unhandled[0];
    flushDisplays();
    // A string result shows quoted, as a REPL shows it; display(string) shows the text itself.
    const shown = value === undefined || isDisplayHandle(value) ? undefined
      : typeof value === "string" ? { data: { "text/plain": inspect(value) }, metadata: {} } : toBundle(value);
    return { status: "ok", result: shown };
  } catch (e) {
    flushDisplays();
    const { name, message } = describe(e);
    return { status: "error", ename: name, evalue: message, traceback: traceback(e, cells, __filename, LIBRARY_CODE) };
  } finally {
    if (current === run) current = undefined;
  }
}

/** Runs the cell body in its own async context; the run leaves the table once its code settles. */
function settle(run: CellRun, body: () => unknown): Promise<unknown> {
  let result: Promise<unknown>;
  try {
    result = Promise.resolve(context.run(run, body));
  } catch (e) {
    result = Promise.reject(e);
  }
  const done = () => {
    running.delete(run.id);
    if (run.interrupted) zombies--;
  };
  result.then(done, done);
  return result;
}

function reportStray(kind: string, error: unknown): void {
  const run = current;
  if (run) run.unhandled.push(error);
  else writeStream("stderr", lastId, `${kind}: ${traceback(error, cells, __filename, LIBRARY_CODE).join("\n")}\n`);
}

/**
 * Stray errors belong to the cell, not to the process: emscripten's wasm loader (tfjs-backend-wasm)
 * adds handlers that rethrow them and would end the worker, so ours replace every other one.
 */
function guardProcess(): void {
  process.removeAllListeners("unhandledRejection").on("unhandledRejection", (reason) => reportStray("Unhandled promise rejection", reason));
  process.removeAllListeners("uncaughtException").on("uncaughtException", (error) => reportStray("Uncaught exception", error));
}

/**
 * A cell that ends the process ends only this worker (process.exit), or would end the whole kernel
 * (process.kill of its own pid): both end the runner instead, after saying why, and the kernel
 * starts a fresh one. Signal 0 (a liveness check) and SIGINT (an interrupt) pass through.
 */
function guardExit(): void {
  const exit = process.exit.bind(process);
  const kill = process.kill.bind(process);
  const end = (reason: string, code?: number): never => {
    emit({ event: "exiting", reason });
    return exit(code);
  };
  process.exit = ((code?: number) => end(`the cell called process.exit(${code ?? ""})`, code)) as typeof process.exit;
  process.kill = ((pid: number, signal?: string | number) => {
    if ((pid !== process.pid && pid !== 0) || signal === 0 || signal === "SIGINT") return kill(pid, signal);
    return end(`the cell called process.kill(${pid === 0 ? "0" : "process.pid"}, ${JSON.stringify(signal ?? "SIGTERM")})`, 1);
  }) as typeof process.kill;
}

/** Loads the library, starts its compute backend (`torch.ready()`), binds the prelude names. */
async function init(): Promise<PreludeBinding[]> {
  const library = fromProject(PRELUDE_MODULE) as { torch?: { ready?: () => Promise<unknown> } };
  await library.torch?.ready?.();
  guardProcess();
  const bindings = preludeBindings(Object.keys(library));
  for (const binding of bindings) {
    const mod = cellRequire(binding.module) as Record<string, unknown>;
    for (const name of binding.names) notebookExports[name] = mod[name];
  }
  runnerModules.save();
  return bindings;
}

// Set once: a global that keeps its first value is a constant to V8, so `tick` is inlined in every loop.
setAttention(false);
const chosenTick = data.poked ? tick : sharedTick;
(globalThis as Record<string, unknown>)[TICK_FUNCTION] = chosenTick;
setOpHook(chosenTick);
(globalThis as Record<string, unknown>)[POKE_FUNCTION] = () => setAttention(true);
(globalThis as Record<string, unknown>)[EXPORT_FUNCTION] = exportName;
(globalThis as Record<string, unknown>)[DECLARE_FUNCTION] = declareNames;
(globalThis as Record<string, unknown>)[BIND_FUNCTION] = bindName;
guardExit();
(globalThis as Record<symbol, unknown>)[INPUT_HOOK] = readInput;
captureStream("stdout");
captureStream("stderr");
// Node's own warnings (experimental features, deprecations) are not the notebook's output.
process.removeAllListeners("warning");
guardProcess();

const handlers = { init, execute, interrupt: takeInterruptRequest };
/** The runner's methods, as the kernel calls them: `WorkerClient<RunnerHandlers>`. */
export type RunnerHandlers = typeof handlers;
serve(handlers);
