/**
 * The program behind tslab's watch host, without TypeScript's incremental builder. tslab asks its
 * watch host for an EmitAndSemanticDiagnosticsBuilderProgram, whose state is rebuilt for every edit
 * of the cell: a referenced-file map over all ~670 declaration files (each file's imports resolved
 * through the type checker), file versions and signatures. The kernel uses none of it (it emits one
 * cell and checks that cell), yet it was most of a trivial cell's and a completion's time and a
 * good part of the checker's memory. This builder is a plain Program with the few builder methods
 * tslab calls; TypeScript still reuses the parsed, bound files of the previous program. Its emit
 * writes CommonJS (see commonJsTransform).
 */
import * as path from "node:path";
import type * as TS from "typescript";

/** What tslab's converter and the watch program call on a builder (tslab 1.0.22, TypeScript 5.0). */
export type LightBuilder = Pick<TS.BuilderProgram,
  "getProgram" | "getCompilerOptions" | "getSourceFile" | "getSourceFiles" | "getOptionsDiagnostics" | "getGlobalDiagnostics" |
  "getConfigFileParsingDiagnostics" | "getSyntacticDiagnostics" | "getDeclarationDiagnostics" | "getSemanticDiagnostics" |
  "getAllDependencies" | "emit" | "getCurrentDirectory"> & {
  /** The watch program's own accessor (internal in TypeScript's typings). */
  getProgramOrUndefined(): TS.Program | undefined;
  releaseProgram(): void;
};

/** TypeScript 5.0 keeps a file's module resolutions on the file (internal). */
interface ResolvedModules { forEach(f: (r: { resolvedModule?: TS.ResolvedModuleFull } | undefined) => void): void }

/**
 * The cell's own source dependencies: files it imports or references, transitively, that are not
 * declaration files or packages (what tslab emits beside the cell: a local helper.ts it imports). The
 * incremental builder answers this from its map of every file; following the cell's imports gives
 * the same source files (a declaration file does not import sources).
 */
export function sourceDependencies(ts: typeof TS, program: TS.Program, file: TS.SourceFile): string[] {
  const seen = new Set<string>();
  const queue = [file];
  while (queue.length > 0) {
    const current = queue.pop()!;
    if (seen.has(current.fileName)) continue;
    seen.add(current.fileName);
    const next = current.referencedFiles.map((r) => path.resolve(path.dirname(current.fileName), r.fileName).split(path.sep).join("/"));
    (current as unknown as { resolvedModules?: ResolvedModules }).resolvedModules?.forEach((r) => {
      const m = r?.resolvedModule;
      if (m && !m.isExternalLibraryImport && m.extension !== ts.Extension.Dts) next.push(m.resolvedFileName);
    });
    for (const name of next) {
      const dep = program.getSourceFile(name);
      if (dep && !dep.isDeclarationFile) queue.push(dep);
    }
  }
  return [...seen];
}

/**
 * TypeScript's CommonJS module transform (internal in its typings; tslab's 5.0 build exports it).
 * tslab emits a cell as an ES module and then turns that into CommonJS with `transpileModule`, a
 * second program and type checker for every cell (about a third of a trivial cell's compile). Run
 * last in the cell's own emit, after tslab's transformers, the same transform gives the same
 * CommonJS from the cell's program, whose type checker already knows every name.
 */
function commonJsTransform(ts: typeof TS): TS.TransformerFactory<TS.SourceFile> {
  const transform = (ts as unknown as { transformModule?: TS.TransformerFactory<TS.SourceFile> }).transformModule;
  if (typeof transform !== "function") throw new Error(`TypeScript ${ts.version} has no transformModule: nnlab needs the TypeScript build tslab 1.0.22 pins (@tslab/typescript-for-tslab 5.0)`);
  return transform;
}

/**
 * `file` with its symbols and parent links (bound), without making the program's type checker.
 * tslab reads a cell's top-level names (`locals`) from a first program of the cell, then makes a
 * second one with those names exported; only the second is checked and emitted, so making the
 * first one's type checker (merging every global declaration again) was work thrown away, in every
 * cell that declares a name. The type checker binds every other file when it is made.
 */
function bound<F extends TS.SourceFile | undefined>(ts: typeof TS, file: F, options: TS.CompilerOptions): F {
  const binder = ts as unknown as { bindSourceFile(f: TS.SourceFile, o: TS.CompilerOptions): void };
  if (file && (file as { locals?: unknown }).locals === undefined) binder.bindSourceFile(file, options);
  return file;
}

/** A `createProgram` for `ts.createWatchCompilerHost`: each edit makes a new Program from the last. */
export function lightBuilderFactory(ts: typeof TS) {
  const toCommonJs = commonJsTransform(ts);
  return (rootNames: readonly string[] | undefined, options: TS.CompilerOptions | undefined, host: TS.CompilerHost | undefined,
    old: LightBuilder | undefined, configFileParsingDiagnostics?: readonly TS.Diagnostic[], projectReferences?: readonly TS.ProjectReference[]): LightBuilder => {
    const program = rootNames === undefined && old
      ? old.getProgram()
      : ts.createProgram({ rootNames: rootNames ?? [], options: options ?? {}, host, oldProgram: old?.getProgramOrUndefined(), configFileParsingDiagnostics, projectReferences });
    return {
      getProgram: () => program,
      getProgramOrUndefined: () => program,
      releaseProgram: () => undefined,
      getCompilerOptions: () => program.getCompilerOptions(),
      getSourceFile: (name) => bound(ts, program.getSourceFile(name), program.getCompilerOptions()),
      getSourceFiles: () => program.getSourceFiles(),
      getOptionsDiagnostics: (token) => program.getOptionsDiagnostics(token),
      getGlobalDiagnostics: (token) => program.getGlobalDiagnostics(token),
      getConfigFileParsingDiagnostics: () => program.getConfigFileParsingDiagnostics(),
      getSyntacticDiagnostics: (file, token) => program.getSyntacticDiagnostics(file, token),
      getDeclarationDiagnostics: (file, token) => program.getDeclarationDiagnostics(file, token),
      getSemanticDiagnostics: (file, token) => program.getSemanticDiagnostics(file, token),
      getAllDependencies: (file) => sourceDependencies(ts, program, file),
      emit: (file, write, token, dtsOnly, transformers) =>
        program.emit(file, write, token, dtsOnly, { ...transformers, after: [...(transformers?.after ?? []), toCommonJs] }),
      getCurrentDirectory: () => program.getCurrentDirectory(),
    };
  };
}
