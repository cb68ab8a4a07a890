/**
 * How a compiled cell is wrapped, named and mapped back: the checker and the runner agree on these.
 * A runtime error's stack names compiled JS positions; `rewriteStack` turns them into cell lines.
 */
import { SourceMap } from "node:module";

/** Called at the top of every loop body in cells (see instrument.instrumentCell, runner.tick). */
export const TICK_FUNCTION = "__nnlab_tick";
/**
 * Called instead of `Object.defineProperty(exports, name, …)` in compiled cells (see
 * instrument.instrumentCell): imports are plain, rewritable properties of the notebook's exports
 * object (their value is taken when the cell imports them), so a later cell can redefine them.
 */
export const EXPORT_FUNCTION = "__nnlab_export";
/**
 * `__nnlab_declare(exports, ["a", "b"])` replaces TypeScript's `exports.a = exports.b = void 0;`
 * at the top of a compiled cell: the names the cell declares are undefined until it reaches them,
 * and no longer reach the variables of an earlier cell that declared the same names.
 */
export const DECLARE_FUNCTION = "__nnlab_declare";
/**
 * `__nnlab_bind(exports, "x", () => x, ($x) => x = $x)` replaces `exports.x = x;` after a cell's
 * top-level declaration of `x`: the variable stays a local of the cell (its own loops run at full
 * speed) and the exports property reads and writes that local, so later cells and closures share
 * one variable. A `const` is bound without a setter: assigning it throws, as in JavaScript.
 */
export const BIND_FUNCTION = "__nnlab_bind";

/** The source map of one cell: its TypeScript → the CommonJS the runner runs. */
export interface CellMaps { map: string }

export interface CellSource {
  /** What tracebacks call the cell, as Jupyter does: `In[3]`. */
  label: string;
  /** The cell's TypeScript source. */
  source: string;
  maps?: CellMaps;
}

/** The file name V8 reports for a cell's compiled code; unique per execution. */
export function cellFileName(executionId: number): string {
  return `nnlab-cell-${executionId}.js`;
}

/** The compiled body goes on its own lines, so compiled line L of the body is script line L + 1. */
export function wrapCell(code: string, isAsync: boolean): string {
  return `(${isAsync ? "async " : ""}function (exports, require) {\n${code}\n})`;
}

/** 1-based script position → 1-based cell position. */
export function cellPosition(maps: CellMaps, line: number, column: number): { line: number; column: number } | undefined {
  const typescript = new SourceMap(JSON.parse(maps.map)).findEntry(line - 2, column - 1);
  if (!("originalLine" in typescript)) return undefined;
  // tslab compiles the cell behind a one-line `export {};` prefix, so 0-based line N is cell line N.
  return { line: typescript.originalLine, column: typescript.originalColumn + 1 };
}

/**
 * Traceback lines for a runtime error: `Name: message`, the stack frames down to the first frame
 * outside user code (`stopAt`), cell positions as `In[3]:6:19`, then the failing cell line. Frames
 * inside nnlab, its packages and Node (`library`: paths under the project root or a node_modules
 * folder) are one line each run, naming the functions without machine paths:
 * `    at nnlab (conv2d ← Conv2d.forward, 3 frames)`.
 */
export function traceback(error: unknown, cells: ReadonlyMap<string, CellSource>, stopAt: string, library: string): string[] {
  const { name, message } = describe(error);
  const stack = error instanceof Error && typeof error.stack === "string" ? error.stack : "";
  const frames: string[] = [];
  let hidden: string[] = [];
  const collapse = () => {
    if (hidden.length === 0) return;
    const names = [...new Set(hidden.filter((n) => n !== ""))].slice(0, 3);
    frames.push(`    at nnlab (${names.length ? `${names.join(" ← ")}, ` : ""}${hidden.length} frame${hidden.length > 1 ? "s" : ""})`);
    hidden = [];
  };
  let first: { cell: CellSource; line: number; column: number } | undefined;
  for (const line of stack.split("\n")) {
    if (!/^\s+at /.test(line)) continue;
    if (line.includes(stopAt)) break;
    if (!/nnlab-cell-\d+\.js/.test(line) && (line.includes(library) || /node_modules|node:internal|\(native\)/.test(line))) {
      hidden.push(/^\s+at (?:new )?([^\s(]+) \(/.exec(line)?.[1].replace(/^Object\./, "") ?? "");
      continue;
    }
    collapse();
    frames.push(line.replace(/(nnlab-cell-\d+\.js):(\d+):(\d+)/g, (whole, file: string, l: string, c: string) => {
      const cell = cells.get(file);
      if (!cell) return whole;
      const pos = cell.maps ? cellPosition(cell.maps, Number(l), Number(c)) : undefined;
      if (!pos) return cell.label;
      first ??= { cell, ...pos };
      return `${cell.label}:${pos.line}:${pos.column}`;
    }));
  }
  collapse();
  const lines = [`${name}: ${message}`, ...frames];
  if (first) {
    const text = first.cell.source.split("\n")[first.line - 1] ?? "";
    lines.push(`${first.cell.label} line ${first.line}:`, `    ${text}`, `    ${" ".repeat(Math.max(0, first.column - 1))}^`);
  }
  return lines;
}

export function describe(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message };
  if (typeof error === "object" && error !== null && "message" in error) {
    return { name: String((error as { name?: unknown }).name ?? "Error"), message: String((error as { message: unknown }).message) };
  }
  return { name: "Uncaught", message: typeof error === "string" ? JSON.stringify(error) : String(error) };
}
