/**
 * The checker worker: tslab's converter (type check, transpile, completion, hover) on the
 * TypeScript build tslab pins. It adds what the kernel needs on top of tslab:
 * - source maps of both transpile stages, so runtime errors can name the cell's own lines;
 * - `__nnlab_tick()` at the top of every loop body, so interrupts stop synchronous loops;
 * - "nnlab" (and the project's packages) resolvable from any notebook folder.
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import { serve } from "./rpc";
import { PROJECT_ROOT } from "./prelude";
import { type CellMaps } from "./cells";
import { instrumentCell } from "./instrument";
import { constructorLines, habitDiagnostics, inspectPositions, rankCompletions, type Cell } from "./assist";
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

const stage2Maps = new Map<string, CellMaps>();
/** tslab's watch host and its latest program (for the checks and help in assist.ts). */
let watchHost: TS.WatchCompilerHostOfFilesAndCompilerOptions<TS.BuilderProgram> | undefined;
let builder: TS.BuilderProgram | undefined;
const ts = loadTypeScriptWithSourceMaps();
forwardPackageLookups(ts.sys, process.cwd(), PROJECT_ROOT);
const tslab = require("tslab/dist/converter.js") as TslabConverterModule;
const { printQuickInfo } = require("tslab/dist/inspect.js") as { printQuickInfo(info: QuickInfo): string };
const converter = tslab.createConverter({ isJS: false });
let declarations = "";
const tslabAfterProgramCreate = watchHost!.afterProgramCreate!;
watchHost!.afterProgramCreate = (b) => { builder = b; tslabAfterProgramCreate(b); };
/** tslab's cell file and the line it puts before the cell's text (converter.js). */
const CELL_FILE = path.join(process.cwd(), "__tslab__.ts").split(path.sep).join("/");
const CELL_PREFIX = `export {};${ts.sys.newLine}`.length;

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
  const real = require(file) as typeof TS;
  const patched = Object.create(real, {
    __esModule: { value: true },
    createWatchCompilerHost: {
      value: (files: string[], options: TS.CompilerOptions, ...rest: unknown[]) =>
        (watchHost = (real.createWatchCompilerHost as (...a: unknown[]) => typeof watchHost)(files, { ...options, inlineSourceMap: true }, ...rest)),
    },
    transpileModule: {
      value: (input: string, options: TS.TranspileOptions) => {
        const out = real.transpileModule(input, { ...options, compilerOptions: { ...options.compilerOptions, sourceMap: true } });
        const inline = /\/\/# sourceMappingURL=data:application\/json;base64,(\S+)\s*$/.exec(input);
        const text = stripMapComments(out.outputText);
        if (inline && out.sourceMapText) stage2Maps.set(text, { map1: Buffer.from(inline[1], "base64").toString(), map2: out.sourceMapText });
        return { ...out, outputText: text };
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
  const r = converter.convert(declarations, code);
  const cell = currentCell();
  const habits = cell ? habitDiagnostics(cell).map((h): Diagnostic => ({ start: position(code, h.start), messageText: h.message, code: 0 })) : [];
  if (r.diagnostics.length > 0 || habits.length > 0) return { ok: false, diagnostics: [...habits, ...r.diagnostics] };
  const output = r.output ? stripMapComments(r.output) : undefined;
  return {
    ok: true,
    diagnostics: [],
    compiled: {
      code: output === undefined ? undefined : instrumentCell(output),
      maps: output === undefined ? undefined : stage2Maps.get(output),
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
    stage2Maps.clear();
    return result;
  },
  /** Makes a cell's declarations visible to later cells (after it ran, even if it failed midway). */
  commit(declOutput: string): void {
    declarations = declOutput;
  },
  complete(code: string, cursorPos: number) {
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
  inspect(code: string, cursorPos: number) {
    for (const pos of inspectPositions(ts, code, codePointsToUnits(code, cursorPos))) {
      const info = converter.inspect(declarations, code, pos);
      if (!info) continue;
      const cell = currentCell();
      const [head, ...docs] = printQuickInfo(info).split("\n");
      const text = [head, ...(cell ? constructorLines(cell, pos) : []), ...docs].join("\n");
      return { status: "ok", found: true, data: { "text/plain": text }, metadata: {} };
    }
    return { status: "ok", found: false, data: {}, metadata: {} };
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
/** The checker's methods, as the kernel calls them: `WorkerClient<CheckerHandlers>`. */
export type CheckerHandlers = typeof handlers;
serve(handlers);
