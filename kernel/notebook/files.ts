/**
 * A notebook file through the executor: where the executed copy and its report go (nbconvert's
 * names), checking the output folder before anything runs, and writing atomically.
 *
 * Names: with `outDir`, `<outDir>/NAME.ipynb`; without, `NAME.nbconvert.ipynb` beside the source
 * (as `jupyter nbconvert --to notebook` names it, so the source is never overwritten); `inplace`
 * writes over the source. The report is `NAME.html` in the same folder.
 */
import { accessSync, constants, mkdirSync, statSync } from "node:fs";
import * as path from "node:path";
import { OutputFolderError } from "../errors";
import { runNotebook, type RunOptions, type RunResult } from "./execute";
import { renderHtml } from "./html";
import { readNotebook, serializeNotebook, writeAtomic } from "./nbformat";

export interface FileOptions extends Omit<RunOptions, "cwd"> {
  /** Folder for the executed notebook and the report (checked with prepareOutDir). */
  outDir?: string;
  /** Writes the executed notebook over the source. */
  inplace?: boolean;
  /** Writes the HTML report too. */
  html?: boolean;
}

export interface FileRunResult extends RunResult {
  ipynbPath: string;
  htmlPath?: string;
}

export function outputPaths(file: string, options: Pick<FileOptions, "outDir" | "inplace">): { ipynb: string; html: string } {
  const source = path.resolve(file);
  const name = path.basename(source, ".ipynb");
  const dir = path.resolve(options.outDir ?? path.dirname(source));
  const beside = dir === path.dirname(source);
  return {
    ipynb: options.inplace ? source : path.join(dir, beside ? `${name}.nbconvert.ipynb` : `${name}.ipynb`),
    html: path.join(dir, `${name}.html`),
  };
}

/** Creates `dir` if missing and checks it is a writable folder, so a bad --out fails before any run. */
export function prepareOutDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new OutputFolderError(dir, (e as NodeJS.ErrnoException).code === "EEXIST" || (e as NodeJS.ErrnoException).code === "ENOTDIR"
      ? "it (or a folder above it) is a file" : (e as Error).message);
  }
  if (!statSync(dir).isDirectory()) throw new OutputFolderError(dir, "it is a file");
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new OutputFolderError(dir, "it is not writable");
  }
}

/**
 * Runs `file` in its own folder and writes what ran, a failed run's partial notebook included
 * (marked in its metadata). A file that is not a notebook throws NotebookFormatError naming it.
 */
export async function runNotebookFile(file: string, options: FileOptions = {}): Promise<FileRunResult> {
  const source = readNotebook(file);
  const result = await runNotebook(source, { ...options, cwd: path.dirname(path.resolve(file)) });
  const paths = outputPaths(file, options);
  if (options.outDir !== undefined) prepareOutDir(options.outDir);
  writeAtomic(paths.ipynb, serializeNotebook(result.notebook));
  if (!options.html) return { ...result, ipynbPath: paths.ipynb };
  writeAtomic(paths.html, await renderHtml(result.notebook, path.basename(file, ".ipynb")));
  return { ...result, ipynbPath: paths.ipynb, htmlPath: paths.html };
}
