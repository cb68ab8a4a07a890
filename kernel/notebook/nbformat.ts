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

/** Parses notebook JSON; line lists become strings. */
export function parseNotebook(json: string, file = "notebook"): Notebook {
  const nb = JSON.parse(json) as Notebook;
  if (nb.nbformat !== 4) throw new NotebookFormatError(file, `nbformat is ${JSON.stringify(nb.nbformat)}, not 4`);
  if (!Array.isArray(nb.cells)) throw new NotebookFormatError(file, "it has no cells array");
  return mapTexts(nb, joined);
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
