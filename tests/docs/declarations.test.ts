// What a program that reads nnlab's shipped declarations has to load. The kernel's type checker
// carries every one of these files through every cell (a cell's compile and a completion cost
// about the program's file count), so the public .d.ts files name neither tfjs-core's index
// (294 files: tfjs types come from the three files that declare them, lib/backend/tf-types.ts)
// nor Node's declarations (100 files, loaded by the kernel only when a cell needs them).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import * as ts from "typescript";

const ENTRY = path.resolve(__dirname, "..", "..", "lib", "index.d.ts");

test("the library's declarations load neither Node's declarations nor tfjs-core's index", () => {
  const program = ts.createProgram([ENTRY], {
    module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, target: ts.ScriptTarget.ES2022,
    lib: ["lib.es2022.d.ts"], types: [], skipLibCheck: true, noEmit: true,
  });
  const files = program.getSourceFiles().map((f) => f.fileName);
  assert.deepEqual(files.filter((f) => f.includes("/@types/node/") || f.includes("/undici-types/")), []);
  assert.deepEqual(files.filter((f) => f.includes("/@tensorflow/") && !/tfjs-core\/dist\/(tensor|types|tensor_info)\.d\.ts$/.test(f)), []);
  // The library's own files still resolve: no declaration is missing (skipLibCheck hides errors
  // inside .d.ts files, not unresolved modules).
  const unresolved = program.getSemanticDiagnostics(program.getSourceFile(ENTRY)).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  assert.deepEqual(unresolved, []);
});
