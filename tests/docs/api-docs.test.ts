// Every public name of the library carries a doc comment: what Shift-Tab shows in the kernel and
// what an editor shows on hover. Walked from the declarations the package ships
// (dist/lib/index.d.ts): every export, reached through the namespaces (torch, nn, F, optim, data,
// datasets, transforms, plot…), and every public member of an exported class. Names marked
// `@internal` (the library's own plumbing) and members inherited from the JavaScript runtime are
// not public API.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import * as ts from "typescript";

const ENTRY = path.resolve(__dirname, "..", "..", "lib", "index.d.ts");

interface Undocumented { name: string; file: string }

function isInternal(symbol: ts.Symbol, checker: ts.TypeChecker): boolean {
  return symbol.getJsDocTags(checker).some((t) => t.name === "internal");
}

function hasDoc(symbol: ts.Symbol, checker: ts.TypeChecker): boolean {
  return ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim() !== "";
}

/** Declared in the library itself (not TypeScript's lib files or another package). */
function libraryFile(decl: ts.Declaration): string | undefined {
  const file = decl.getSourceFile().fileName;
  return file.includes("node_modules") || !file.includes(`${path.sep}lib${path.sep}`) ? undefined : file;
}

function isPublicMember(decl: ts.Declaration): boolean {
  const flags = ts.getCombinedModifierFlags(decl);
  return !(flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) && !ts.isPrivateIdentifier((decl as ts.NamedDeclaration).name ?? decl);
}

function undocumentedApi(): { checked: number; missing: Undocumented[] } {
  const program = ts.createProgram([ENTRY], {
    strict: true, skipLibCheck: true, target: ts.ScriptTarget.ES2022, types: ["node"],
    module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16,
  });
  const checker = program.getTypeChecker();
  const seen = new Set<ts.Symbol>();
  const missing: Undocumented[] = [];
  let checked = 0;
  const check = (symbol: ts.Symbol, name: string, file: string) => {
    if (isInternal(symbol, checker)) return;
    checked++;
    if (!hasDoc(symbol, checker)) missing.push({ name, file: path.relative(path.dirname(ENTRY), file) });
  };
  const visit = (exported: ts.Symbol, name: string): void => {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    if (seen.has(symbol)) return;
    seen.add(symbol);
    const decl = symbol.declarations?.[0];
    const file = decl && libraryFile(decl);
    if (!file) return;
    if (symbol.flags & (ts.SymbolFlags.ValueModule | ts.SymbolFlags.NamespaceModule)) {
      for (const e of checker.getExportsOfModule(symbol)) visit(e, `${name}.${e.name}`);
      return;
    }
    check(symbol, name, file);
    if (!(symbol.flags & ts.SymbolFlags.Class)) return;
    for (const member of checker.getDeclaredTypeOfSymbol(symbol).getProperties()) {
      const memberDecl = member.declarations?.[0];
      const memberFile = memberDecl && libraryFile(memberDecl);
      if (!memberFile || member.name.startsWith("_") || !isPublicMember(memberDecl)) continue;
      if (seen.has(member)) continue;
      seen.add(member);
      check(member, `${name}#${member.name}`, memberFile);
    }
  };
  const entry = checker.getSymbolAtLocation(program.getSourceFile(ENTRY)!)!;
  for (const e of checker.getExportsOfModule(entry)) visit(e, e.name);
  return { checked, missing };
}

test("every public class, function, type and member of the library has a doc comment", () => {
  const { checked, missing } = undocumentedApi();
  assert.ok(checked > 500, `only ${checked} public names found: is ${ENTRY} the package's entry?`);
  assert.deepEqual(missing.map((m) => `${m.name} (${m.file})`), [], `${missing.length} of ${checked} public names have no doc comment`);
});
