/**
 * The checker worker: tslab's converter (type check, transpile, completion, hover) on the
 * TypeScript build tslab pins. It adds what the kernel needs on top of tslab:
 * - one emit to CommonJS (program.ts) with its source map, so runtime errors can name the cell's own lines;
 * - `__nnlab_tick()` at the top of every loop body, so interrupts stop synchronous loops;
 * - "nnlab" (and the project's packages) resolvable from any notebook folder.
 */
import { existsSync } from "node:fs";
import { builtinModules } from "node:module";
import * as path from "node:path";
import { runInNewContext } from "node:vm";
import { serve } from "./rpc";
import { PROJECT_ROOT } from "./prelude";
import { type CellMaps } from "./cells";
import { setCollectorFlags } from "../lib/tensor/collector-flags";
import { requireWithCodeCache, type CachedModule } from "./code-cache";
import { instrumentCell } from "./instrument";
import { lightBuilderFactory } from "./program";
import { LITE_GLOBALS, LITE_GLOBALS_FILE, LITE_PACKAGE_FILES } from "./lite-globals";
import { libName, oneFileLibrary, withoutDocComments, type LibReader } from "./default-lib";
import { constructorLines, habitDiagnostics, inspectPositions, namesBuiltin, rankCompletions, type Cell } from "./assist";
import type * as TS from "typescript";

/** The parts of tslab 1.0.22's converter (dist/converter.js) the kernel uses; not in tslab's public typings. */
interface Diagnostic {
  start: { offset: number; line: number; character: number };
  messageText: string;
  code: number;
  fileName?: string;
}
interface ConvertResult {
  output?: string;
  declOutput?: string;
  diagnostics: Diagnostic[];
  lastExpressionVar?: string;
  hasToplevelAwait?: boolean;
  sideOutputs?: { path: string; data: string }[];
}
interface QuickInfo { textSpan?: { start: number; length: number } }
interface Converter {
  convert(prevDecl: string, src: string): ConvertResult;
  inspect(prevDecl: string, src: string, position: number): QuickInfo | undefined;
  complete(prevDecl: string, src: string, position: number): { start: number; end: number; candidates: string[]; original?: { entries: { name: string; kind: string }[] } };
  close(): void;
}
interface TslabConverterModule {
  createConverter(options?: { isJS?: boolean }): Converter;
  isCompleteCode(code: string): { completed: boolean; indent?: string };
}

export interface Compiled {
  /** CommonJS body to run with (exports, require); undefined when the cell only declares types. */
  code?: string;
  maps?: CellMaps;
  declOutput: string;
  lastExpressionVar?: string;
  hasToplevelAwait: boolean;
  sideOutputs: { path: string; data: string }[];
}
export interface CompileResult { ok: boolean; compiled?: Compiled; diagnostics: Diagnostic[] }

/** The source map of each compiled cell's code, by its text (see transpileModule in loadTypeScriptWithSourceMaps). */
const cellMaps = new Map<string, CellMaps>();
/** tslab's watch host and its latest program (for the checks and help in assist.ts). */
let watchHost: TS.WatchCompilerHostOfFilesAndCompilerOptions<TS.BuilderProgram> | undefined;
let builder: TS.BuilderProgram | undefined;
/** The default libraries of tslab's program (its `lib` option: "es2022"), which read as one file each (default-lib.ts). */
let rootLibs: string[] = [];
/** TypeScript's module, loaded with V8's code cache (saved once the first cells have warmed it up). */
let typescriptModule: CachedModule | undefined;
/**
 * Whether the program has the full declarations (Node's @types/node, @webgpu/types, vega-lite's
 * and vega's) or the lite ones (lite-globals.ts); see loadFullDeclarations.
 */
let fullDeclarations = false;
const LITE_GLOBALS_PATH = path.join(process.cwd(), LITE_GLOBALS_FILE).split(path.sep).join("/");
const ts = loadTypeScriptWithSourceMaps();
forwardPackageLookups(ts.sys, process.cwd(), PROJECT_ROOT);
serveFromMemory(ts.sys, LITE_GLOBALS_PATH, LITE_GLOBALS);
withLiteFiles(ts.sys);
const tslab = require("tslab/dist/converter.js") as TslabConverterModule;
const { printQuickInfo } = require("tslab/dist/inspect.js") as { printQuickInfo(info: QuickInfo): string };
let converter = createConverter();
let declarations = "";
/** tslab's cell file and the line it puts before the cell's text (converter.js). */
const CELL_FILE = path.join(process.cwd(), "__tslab__.ts").split(path.sep).join("/");
const CELL_PREFIX = `export {};${ts.sys.newLine}`.length;

/** tslab's converter, with the kernel's hook on its program (see `builder`). */
function createConverter(): Converter {
  const created = tslab.createConverter({ isJS: false });
  const tslabAfterProgramCreate = watchHost!.afterProgramCreate!;
  watchHost!.afterProgramCreate = (b) => { builder = b; tslabAfterProgramCreate(b); };
  return created;
}

/**
 * What a cell can name that only the full declarations type: Node's globals and modules, WebGPU's
 * GPU* types, and a chart's Vega-Lite spec (`display.vegaLite(...)`, `plot.spec(...)`, `chart.spec`,
 * `{ spec }`, `new plot.Chart(...)`, vega's packages). The first cell that names one (or does not compile without them) loads them.
 */
const FULL_NAMES = /\b(?:require|Buffer|global|__dirname|__filename|module|NodeJS|TextEncoder|TextDecoder|URL|URLSearchParams|fetch|AbortController|AbortSignal|Blob|EventTarget|MessageChannel|BroadcastChannel|crypto|WebAssembly|GPU[A-Z]\w*|webgpu|vega\w*|TopLevelSpec|spec|Chart)\b/;
const NODE_MODULES = new Set(builtinModules);
const IMPORTED = /(?:from|import|require\s*\()\s*["']([^"']+)["']/g;

function needsFull(code: string): boolean {
  return FULL_NAMES.test(code) || [...code.matchAll(IMPORTED)].some((m) => NODE_MODULES.has(m[1]!.replace(/^node:/, "").split("/")[0]!));
}

/** Completion and help on `process` list all of it, not only the lite `process.env`. */
function helpNeedsFull(code: string): boolean {
  return needsFull(code) || /\bprocess\b/.test(code);
}

/**
 * Loads the full declarations: a new converter over the same committed declarations, its program
 * with @types/node instead of lite-globals.ts and the real LITE_PACKAGE_FILES. Once per kernel, ~1 s.
 */
function loadFullDeclarations(): void {
  if (fullDeclarations) return;
  fullDeclarations = true;
  converter.close();
  converter = createConverter();
}

/**
 * Options that give the program Node's declarations: every @types package in the type roots, as
 * tslab does, and the folder @types/node is installed in. tslab looks for it from the notebook's
 * folder and in its own node_modules; an installed nnlab has it hoisted beside tslab, which
 * neither finds (the library's declarations used to pull it in; they no longer name Node).
 */
function withNodeTypes(options: TS.CompilerOptions): TS.CompilerOptions {
  const roots = options.typeRoots ?? [];
  let installed: string | undefined;
  try {
    const tslabDir = path.dirname(require.resolve("tslab/package.json"));
    installed = path.dirname(path.dirname(require.resolve("@types/node/package.json", { paths: [tslabDir] }))).split(path.sep).join("/");
  } catch {
    installed = undefined;
  }
  return { types: undefined, typeRoots: installed && !roots.includes(installed) ? [...roots, installed] : roots };
}

/**
 * TypeScript's default library reads as one file (default-lib.ts); until the full declarations are
 * loaded, without its doc comments, and LITE_PACKAGE_FILES read as their stand-ins.
 */
function withLiteFiles(sys: TS.System): void {
  const { readFile } = sys;
  const libDir = path.dirname(ts.getDefaultLibFilePath({})).split(path.sep).join("/") + "/";
  const readLib: LibReader = (name) => readFile.call(sys, `${libDir}lib.${name}.d.ts`);
  const libraries = new Map<boolean, LibReader>();
  sys.readFile = (p, encoding) => {
    const lib = libName(p, libDir);
    if (lib !== undefined) {
      if (!libraries.has(fullDeclarations)) libraries.set(fullDeclarations, oneFileLibrary(rootLibs, readLib, fullDeclarations ? undefined : withoutDocComments));
      return libraries.get(fullDeclarations)!(lib);
    }
    const lite = fullDeclarations ? undefined : LITE_PACKAGE_FILES.find((f) => p.endsWith(f.suffix));
    return lite ? lite.text : readFile.call(sys, p, encoding);
  };
}

/** A file only the type checker sees: `text` at `file`, never on disk (its watcher does nothing). */
function serveFromMemory(sys: TS.System, file: string, text: string): void {
  const { fileExists, readFile, watchFile } = sys;
  sys.fileExists = (p) => p === file || fileExists.call(sys, p);
  sys.readFile = (p, encoding) => (p === file ? text : readFile.call(sys, p, encoding));
  if (watchFile) sys.watchFile = (p, ...a) => (p === file ? { close: () => undefined } : watchFile.call(sys, p, ...a));
}

/** The cell as tslab's program last saw it (after a convert, complete or inspect of it). */
function currentCell(): Cell | undefined {
  const file = builder?.getSourceFile(CELL_FILE);
  return builder && file ? { ts, program: builder.getProgram(), file, offset: CELL_PREFIX } : undefined;
}

function position(code: string, offset: number): Diagnostic["start"] {
  const before = code.slice(0, offset).split("\n");
  return { offset, line: before.length - 1, character: before[before.length - 1].length };
}

/**
 * tslab's TypeScript module exposes read-only getters, so its exports cannot be patched; a
 * replacement exports object placed in the require cache (before tslab loads) can.
 */
function loadTypeScriptWithSourceMaps(): typeof TS {
  const file = require.resolve("@tslab/typescript-for-tslab");
  setCollectorFlags(); // the flags the kernel's code cache is made under, whoever started this worker
  typescriptModule = requireWithCodeCache(file);
  const real = typescriptModule.exports as typeof TS;
  const patched = Object.create(real, {
    __esModule: { value: true },
    createWatchCompilerHost: {
      value: (files: string[], options: TS.CompilerOptions, system: TS.System, _builder: unknown, ...rest: unknown[]) => {
        rootLibs = (options.lib ?? []).map((l) => l.replace(/^lib\./, "").replace(/\.d\.ts$/, ""));
        return (watchHost = (real.createWatchCompilerHost as (...a: unknown[]) => typeof watchHost)(
          fullDeclarations ? files : [...files, LITE_GLOBALS_PATH],
          { ...options, inlineSourceMap: true, ...(fullDeclarations ? withNodeTypes(options) : { types: [] }) },
          system, lightBuilderFactory(real), ...rest));
      },
    },
    // tslab's only use: its second pass from ES module to CommonJS. The program's emit already
    // writes CommonJS (program.ts), so the pass keeps the code and its source map as they are.
    transpileModule: {
      value: (input: string): TS.TranspileOutput => {
        const inline = /\/\/# sourceMappingURL=data:application\/json;base64,(\S+)\s*$/.exec(input);
        const text = stripMapComments(input);
        if (inline) cellMaps.set(text, { map: Buffer.from(inline[1], "base64").toString() });
        return { outputText: text, diagnostics: [] };
      },
    },
  });
  require.cache[file]!.exports = patched;
  return real;
}

function stripMapComments(js: string): string {
  return js.replace(/\n\/\/# sourceMappingURL=\S*/g, "");
}

/**
 * A notebook folder rarely has node_modules of its own: `<cwd>/node_modules/nnlab/...` is looked up
 * in the project itself and any other missing `<cwd>/node_modules/X` in the project's node_modules.
 */
function forwardPackageLookups(sys: TS.System, cwd: string, root: string): void {
  const modules = path.join(cwd, "node_modules") + path.sep;
  const forward = (p: string): string => {
    if (!p.startsWith(modules)) return p;
    const rest = p.slice(modules.length);
    if (rest === "nnlab" || rest.startsWith("nnlab/")) return path.join(root, rest.slice("nnlab".length));
    return path.join(root, "node_modules", rest);
  };
  const orElse = <A extends unknown[], R>(real: (p: string, ...a: A) => R, found: (r: R) => boolean) =>
    (p: string, ...a: A): R => {
      const direct = real.call(sys, p, ...a);
      return found(direct) || forward(p) === p ? direct : real.call(sys, forward(p), ...a);
    };
  sys.fileExists = orElse(sys.fileExists, Boolean);
  sys.directoryExists = orElse(sys.directoryExists, Boolean);
  sys.readFile = orElse(sys.readFile, (r) => r !== undefined);
  sys.getDirectories = orElse(sys.getDirectories, (r) => r.length > 0);
  const realpath = sys.realpath;
  if (realpath) sys.realpath = (p: string) => realpath.call(sys, existsSync(p) ? p : forward(p));
}

/** Jupyter counts cursor positions in Unicode code points, TypeScript in UTF-16 units. */
export function codePointsToUnits(text: string, cursor: number): number {
  return [...text].slice(0, cursor).join("").length;
}
export function unitsToCodePoints(text: string, units: number): number {
  return [...text.slice(0, units)].length;
}

function compile(code: string): CompileResult {
  if (needsFull(code)) loadFullDeclarations();
  const r = converter.convert(declarations, code);
  if (r.diagnostics.length > 0 && !fullDeclarations) {
    loadFullDeclarations();
    return compile(code);
  }
  const cell = currentCell();
  const habits = cell ? habitDiagnostics(cell).map((h): Diagnostic => ({ start: position(code, h.start), messageText: h.message, code: 0 })) : [];
  if (r.diagnostics.length > 0 || habits.length > 0) return { ok: false, diagnostics: [...habits, ...r.diagnostics] };
  const output = r.output ? stripMapComments(r.output) : undefined;
  return {
    ok: true,
    diagnostics: [],
    compiled: {
      code: output === undefined ? undefined : instrumentCell(output),
      maps: output === undefined ? undefined : cellMaps.get(output),
      declOutput: r.declOutput ?? "",
      lastExpressionVar: r.lastExpressionVar,
      hasToplevelAwait: r.hasToplevelAwait ?? false,
      sideOutputs: (r.sideOutputs ?? []).map((s) => ({ path: s.path, data: stripMapComments(s.data) })),
    },
  };
}

const handlers = {
  compile(code: string): CompileResult {
    const result = compile(code);
    cellMaps.clear();
    // The parser and checker have run: their compiled code goes into the cache, when the kernel is idle.
    if (result.ok && !typescriptModule!.fromCache) setTimeout(() => typescriptModule!.save(), 1000).unref();
    return result;
  },
  /** Makes a cell's declarations visible to later cells (after it ran, even if it failed midway). */
  commit(declOutput: string): void {
    declarations = declOutput;
  },
  complete(code: string, cursorPos: number) {
    if (helpNeedsFull(code)) loadFullDeclarations();
    const units = codePointsToUnits(code, cursorPos);
    const info = converter.complete(declarations, code, units);
    const kinds = new Map((info.original?.entries ?? []).map((e) => [e.name, e.kind]));
    const start = unitsToCodePoints(code, info.start);
    const end = unitsToCodePoints(code, info.end);
    const cell = currentCell();
    const matches = cell ? rankCompletions(cell, units, code.slice(info.start, units), info.candidates) : info.candidates;
    return {
      status: "ok",
      matches,
      cursor_start: start,
      cursor_end: end,
      metadata: { _jupyter_types_experimental: matches.map((c) => ({ start, end, text: c, type: kinds.get(c) ?? "" })) },
    };
  },
  /** The signature and doc comment of the name under or before the cursor, or of the call whose parentheses it is in. */
  inspect(code: string, cursorPos: number): { status: "ok"; found: boolean; data: { "text/plain"?: string }; metadata: Record<string, never> } {
    if (helpNeedsFull(code)) loadFullDeclarations();
    for (const pos of inspectPositions(ts, code, codePointsToUnits(code, cursorPos))) {
      const info = converter.inspect(declarations, code, pos);
      if (!info) continue;
      const cell = currentCell();
      // The lite program's built-ins have no doc comments (withLiteFiles): help on one loads them.
      if (!fullDeclarations && cell && namesBuiltin(cell, pos)) {
        loadFullDeclarations();
        return handlers.inspect(code, cursorPos);
      }
      const [head, ...docs] = printQuickInfo(info).split("\n");
      const text = [head, ...(cell ? constructorLines(cell, pos) : []), ...docs].join("\n");
      return { status: "ok", found: true, data: { "text/plain": text }, metadata: {} };
    }
    return { status: "ok", found: false, data: {}, metadata: {} };
  },
  /** The files of the checker's latest program that declare anything: which declarations the cells so far made it load. */
  programFiles(): string[] {
    return builder?.getProgram().getSourceFiles().filter((f) => f.statements.length > 0).map((f) => f.fileName) ?? [];
  },
  /** "incomplete" when more lines could finish it, "invalid" for a syntax error more lines cannot fix. */
  isComplete(code: string) {
    const r = tslab.isCompleteCode(code);
    if (!r.completed) return { status: "incomplete", indent: r.indent ?? "" };
    const sf = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
    const parseErrors = (sf as unknown as { parseDiagnostics: unknown[] }).parseDiagnostics;
    return { status: parseErrors.length > 0 ? "invalid" : "complete" };
  },
};
/**
 * Every edit of a cell makes a new program and type checker; the old ones are garbage the young
 * generation promotes to the old, which V8 collects late, so an idle kernel kept ~25 MB of them
 * (212 MB after 30 cells and completions, against 186 MB after one). A full collection once the
 * checker has been idle for IDLE_COLLECT_MS gives them back; it takes ~30 ms while nothing waits.
 */
const IDLE_COLLECT_MS = 1000;
function withIdleCollection<H extends Record<string, (...args: never[]) => unknown>>(methods: H): H {
  const gc = fullCollection();
  if (!gc) return methods;
  let timer: NodeJS.Timeout | undefined;
  const wrapped = Object.entries(methods).map(([name, method]) => [name, (...args: never[]) => {
    clearTimeout(timer);
    try {
      return method(...args);
    } finally {
      timer = setTimeout(gc, IDLE_COLLECT_MS).unref();
    }
  }]);
  return Object.fromEntries(wrapped) as H;
}

/** V8's full collection, where --expose-gc is set (the kernel sets it before its workers start). */
function fullCollection(): (() => void) | undefined {
  try {
    return runInNewContext("gc") as () => void;
  } catch {
    return undefined;
  }
}

/** The checker's methods, as the kernel calls them: `WorkerClient<CheckerHandlers>`. */
export type CheckerHandlers = typeof handlers;
serve(withIdleCollection(handlers));
