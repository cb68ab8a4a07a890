/**
 * nbformat 4 as typed data: reading (sources and texts may be line lists on disk), writing the way
 * Jupyter does (multi-line strings split into line lists, one-space indent) and writing atomically.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type * as nbformat from "@jupyterlab/nbformat";
import { NotebookFormatError } from "../errors";

export type MimeBundle = nbformat.IMimeBundle;

/**
 * nbformat's own types (@jupyterlab/nbformat) as held in memory: every multi-line text (a cell's
 * source, a stream's text) is one string, where a file may store it as a list of lines.
 */
type InMemory<T> = {
  [K in keyof T]: K extends "source" | "text" ? string : K extends "outputs" ? Output[] : K extends "cells" ? Cell[] : T[K];
};
export type Output = InMemory<nbformat.IStream> | nbformat.IDisplayData | nbformat.IExecuteResult | nbformat.IError;
export type CodeCell = InMemory<nbformat.ICodeCell>;
export type TextCell = InMemory<nbformat.IMarkdownCell> | InMemory<nbformat.IRawCell>;
export type Cell = CodeCell | TextCell;
export type Notebook = InMemory<nbformat.INotebookContent>;

const joined = (v: unknown): unknown => (Array.isArray(v) && v.every((x) => typeof x === "string") ? v.join("") : v);

/** Text mime types may be stored as line lists; JSON keeps its structure and base64 stays one string. */
const isTextMime = (mime: string): boolean => mime.startsWith("text/") || mime === "image/svg+xml";

function mapBundle(bundle: MimeBundle, f: (v: unknown) => unknown): MimeBundle {
  return Object.fromEntries(Object.entries(bundle).map(([mime, v]) => [mime, isTextMime(mime) ? f(v) : v])) as MimeBundle;
}

function mapTexts(nb: Notebook, f: (v: unknown) => unknown): Notebook {
  const output = (o: Output): Output => {
    if (o.output_type === "stream") return { ...o, text: f(o.text) as string };
    if (o.output_type === "error") return o;
    return { ...o, data: mapBundle(o.data, f) };
  };
  const cell = (c: Cell): Cell => (c.cell_type === "code"
    ? { ...c, source: f(c.source) as string, outputs: c.outputs.map(output) }
    : { ...c, source: f(c.source) as string });
  return { ...nb, cells: nb.cells.map(cell) };
}

/** What is wrong with a JSON value that should be a notebook, or undefined when it is one. */
type Check = (value: unknown) => string | undefined;

const kind = (v: unknown): string => (v === null ? "null" : Array.isArray(v) ? "a list" : typeof v === "object" ? "an object" : `a ${typeof v}`);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isText = (v: unknown): boolean => typeof v === "string" || (Array.isArray(v) && v.every((x) => typeof x === "string"));

const CELL_TYPES = ["code", "markdown", "raw"];
const OUTPUT_TYPES = ["stream", "display_data", "execute_result", "error"];

const checkOutput = (o: unknown): string | undefined => {
  if (!isObject(o)) return `is ${kind(o)}, expected an object`;
  if (!OUTPUT_TYPES.includes(String(o.output_type))) return `has output_type ${JSON.stringify(o.output_type)}, expected one of ${OUTPUT_TYPES.join(", ")}`;
  if (o.output_type === "stream" && !isText(o.text)) return `has text that is ${kind(o.text)}, expected a string or a list of strings`;
  if ((o.output_type === "display_data" || o.output_type === "execute_result") && !isObject(o.data)) return `has data that is ${kind(o.data)}, expected an object`;
  return undefined;
};

const checkCell: Check = (c) => {
  if (!isObject(c)) return `is ${kind(c)}, expected an object`;
  if (!CELL_TYPES.includes(String(c.cell_type))) return `has cell_type ${JSON.stringify(c.cell_type)}, expected one of ${CELL_TYPES.join(", ")}`;
  if (!isText(c.source)) return `has a source that is ${kind(c.source)}, expected a string or a list of strings`;
  if (c.metadata !== undefined && !isObject(c.metadata)) return `has metadata that is ${kind(c.metadata)}, expected an object`;
  if (c.cell_type !== "code" || c.outputs === undefined) return undefined;
  if (!Array.isArray(c.outputs)) return `has outputs that are ${kind(c.outputs)}, expected a list`;
  for (const [i, o] of c.outputs.entries()) {
    const wrong = checkOutput(o);
    if (wrong) return `output ${i} ${wrong}`;
  }
  return undefined;
};

/** The parts of nbformat 4 the runner and the report rely on; nbformat 3 and older are named as such. */
export const checkNotebook: Check = (nb) => {
  if (!isObject(nb)) return `the file holds ${kind(nb)}, expected a notebook object`;
  if (nb.nbformat !== 4) {
    return typeof nb.nbformat === "number" && nb.nbformat < 4
      ? `it is nbformat ${nb.nbformat}; open and save it with Jupyter (or \`jupyter nbconvert --to notebook\`) to upgrade it to nbformat 4`
      : `nbformat is ${JSON.stringify(nb.nbformat)}, expected 4`;
  }
  if (nb.metadata !== undefined && !isObject(nb.metadata)) return `its metadata is ${kind(nb.metadata)}, expected an object`;
  if (!Array.isArray(nb.cells)) return `its cells are ${kind(nb.cells)}, expected a list`;
  for (const [i, c] of nb.cells.entries()) {
    const wrong = checkCell(c);
    if (wrong) return `cell ${i} ${wrong}`;
  }
  return undefined;
};

/** Missing optional fields get their nbformat defaults so every cell has the shape of its type. */
function withDefaults(raw: Record<string, unknown>): Notebook {
  const cells = (raw.cells as Record<string, unknown>[]).map((c) => ({
    ...c, metadata: c.metadata ?? {},
    ...(c.cell_type === "code" ? { outputs: c.outputs ?? [], execution_count: c.execution_count ?? null } : {}),
  }));
  return { ...raw, metadata: raw.metadata ?? {}, nbformat_minor: raw.nbformat_minor ?? 0, cells } as unknown as Notebook;
}

/** Parses and checks notebook JSON (NotebookFormatError naming `file` and what is wrong); line lists become strings. */
export function parseNotebook(json: string, file = "notebook"): Notebook {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    throw new NotebookFormatError(file, `it is not valid JSON (${(e as Error).message})`);
  }
  const wrong = checkNotebook(raw);
  if (wrong) throw new NotebookFormatError(file, wrong);
  return mapTexts(withDefaults(raw as Record<string, unknown>), joined);
}

export function readNotebook(file: string): Notebook {
  return parseNotebook(readFileSync(file, "utf8"), file);
}

/** "a\nb" -> ["a\n", "b"], as nbformat's split_lines stores multi-line strings. */
function splitLines(v: unknown): unknown {
  if (typeof v !== "string") return v;
  return v === "" ? [] : v.split(/(?<=\n)/);
}

/** The notebook's JSON as Jupyter writes it (line lists, indent 1, trailing newline). */
export function serializeNotebook(nb: Notebook): string {
  return `${JSON.stringify(mapTexts(nb, splitLines), null, 1)}\n`;
}

/** Writes `text` to a temp file beside `file`, then renames it over `file`: readers never see half a file. */
export function writeAtomic(file: string, text: string): void {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(temp, text);
    renameSync(temp, file);
  } catch (e) {
    rmSync(temp, { force: true });
    throw e;
  }
}
