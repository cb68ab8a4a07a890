/**
 * What the checker adds to tslab's type check, completion and inspection, on the TypeScript
 * program of the current cell (`Cell`): errors for PyTorch habits that type-check but go wrong at
 * run time, completions a PyTorch user expects (the object's own members, only what matches), and
 * help that shows signatures and doc comments wherever the cursor is.
 */
import type * as TS from "typescript";

/** The cell's source file in tslab's program; `offset` is tslab's prefix before the cell's text. */
export interface Cell { ts: typeof TS; program: TS.Program; file: TS.SourceFile; offset: number }

export interface HabitDiagnostic { start: number; message: string }

/**
 * `for (const b in loader)` walks an object's keys, not its batches; `for (const [inputs, target] of
 * enumerate(loader))` binds the batch index to `inputs`. Both type-check; both are reported here,
 * with the form that works. Positions are in the cell's text (UTF-16 units).
 */
export function habitDiagnostics({ ts, program, file, offset }: Cell): HabitDiagnostic[] {
  const checker = program.getTypeChecker();
  const out: HabitDiagnostic[] = [];
  // Well-known symbol members are named "__@iterator@<id>" inside the checker.
  const isIterable = (t: TS.Type) => checker.getPropertiesOfType(checker.getApparentType(t))
    .some((p) => /^__@(asyncI|i)terator@/.test(String(p.escapedName)));
  const visit = (node: TS.Node): void => {
    if (ts.isForInStatement(node)) {
      const type = checker.getTypeAtLocation(node.expression);
      if (isIterable(type) && !checker.isArrayLikeType(type) && !(type.flags & ts.TypeFlags.StringLike)) {
        out.push({ start: node.getStart(file) - offset, message: `for…in walks the keys of ${node.expression.getText(file)}, not its items: ` +
          `write for (const batch of ${node.expression.getText(file)}), e.g. for (const [inputs, target] of trainLoader)` });
      }
    }
    if (ts.isForOfStatement(node) && ts.isCallExpression(node.expression) && node.expression.expression.getText(file) === "enumerate" &&
      ts.isVariableDeclarationList(node.initializer) && node.initializer.declarations.length === 1) {
      const pattern = node.initializer.declarations[0].name;
      if (ts.isArrayBindingPattern(pattern) && pattern.elements.length === 2 && pattern.elements.every((e) => ts.isBindingElement(e) && ts.isIdentifier(e.name))) {
        const [index, item] = pattern.elements as unknown as [TS.BindingElement, TS.BindingElement];
        const itemType = checker.getTypeAtLocation(item.name);
        if (checker.isTupleType(itemType) && usedAsTensor(ts, node.statement, index.name.getText(file), file)) {
          const loop = node.expression.arguments[0]?.getText(file) ?? "loader";
          out.push({ start: pattern.getStart(file) - offset, message: `enumerate(${loop}) yields [index, batch], so ${index.name.getText(file)} is the batch index: ` +
            `write for (const [i, [${index.name.getText(file)}, ${item.name.getText(file)}]] of enumerate(${loop}))` });
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return out;
}

/** Whether `name` is passed to a module or op call, or has a tensor member read on it, inside `body`. */
function usedAsTensor(ts: typeof TS, body: TS.Node, name: string, file: TS.SourceFile): boolean {
  let used = false;
  const visit = (node: TS.Node): void => {
    if (used) return;
    if (ts.isIdentifier(node) && node.getText(file) === name) {
      const parent = node.parent;
      if (ts.isCallExpression(parent) && parent.arguments.includes(node as TS.Expression)) used = true;
      if (ts.isPropertyAccessExpression(parent) && parent.expression === node) used = true;
    }
    ts.forEachChild(node, visit);
  };
  visit(body);
  return used;
}

/**
 * Completion candidates, as a PyTorch user reads them: only names that start with what was typed
 * (case aside; exact case first), and on a member access the object's own members first, its
 * inherited ones next; members of Function.prototype (apply, bind, call…) are left out on modules,
 * which are callable in TypeScript's eyes but have none of them at run time.
 */
export function rankCompletions({ ts, program, file, offset }: Cell, cursor: number, typed: string, names: readonly string[]): string[] {
  const lower = typed.toLowerCase();
  const matching = names.filter((n) => n.toLowerCase().startsWith(lower));
  const receiver = memberReceiver(ts, file, cursor + offset);
  const rank = new Map<string, number>();
  if (receiver) {
    const checker = program.getTypeChecker();
    const type = checker.getTypeAtLocation(receiver);
    const isModule = type.getCallSignatures().length > 0 && checker.getPropertyOfType(type, "forward") !== undefined;
    const own = type.getSymbol()?.declarations ?? [];
    for (const name of matching) {
      const decls = checker.getPropertyOfType(checker.getApparentType(type), name)?.declarations ?? [];
      const fromLib = decls.length > 0 && decls.every((d) => program.isSourceFileDefaultLibrary(d.getSourceFile()));
      if (fromLib && isModule) rank.set(name, -1);
      else rank.set(name, fromLib ? 2 : decls.some((d) => own.includes(d.parent as TS.Declaration)) ? 0 : 1);
    }
  }
  const score = (n: string) => (rank.get(n) ?? 1) * 2 + (n.startsWith(typed) ? 0 : 1);
  return matching.filter((n) => rank.get(n) !== -1).map((n, i) => ({ n, i })).sort((a, b) => score(a.n) - score(b.n) || a.i - b.i).map((e) => e.n);
}

function memberReceiver(ts: typeof TS, file: TS.SourceFile, pos: number): TS.Expression | undefined {
  const token = (ts as unknown as { findPrecedingToken(p: number, f: TS.SourceFile): TS.Node | undefined }).findPrecedingToken(pos, file);
  const parent = token?.parent;
  if (parent && ts.isPropertyAccessExpression(parent) && (token === parent.name || token!.kind === ts.SyntaxKind.DotToken)) return parent.expression;
  return undefined;
}

/**
 * Where to look for help at `cursor` (cell units), best first: the name under the cursor, the name
 * just before it, and inside a call's parentheses (`new nn.Conv2d(|`) the called name.
 */
export function inspectPositions(ts: typeof TS, code: string, cursor: number): number[] {
  const file = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const positions = [cursor, cursor - 1];
  let call: TS.CallExpression | TS.NewExpression | undefined;
  // Inside the parentheses: after the `(`, before the `)`, or anywhere after an unclosed one.
  const inside = (node: TS.CallExpression | TS.NewExpression) => cursor >= node.arguments!.pos &&
    (cursor < node.end || (code[node.end - 1] !== ")" && code.slice(node.end, cursor).trim() === ""));
  const visit = (node: TS.Node): void => {
    if ((ts.isCallExpression(node) || ts.isNewExpression(node)) && node.arguments !== undefined && inside(node)) call = node;
    if (node.pos <= cursor) ts.forEachChild(node, visit);
  };
  visit(file);
  if (call) positions.push(call.expression.end - 1);
  return positions.filter((p) => p >= 0);
}

/** The name at `pos` (cell units) or just before it, and what it names (aliases followed). */
function symbolAt({ ts, program, file, offset }: Cell, pos: number): { token: TS.Node; symbol?: TS.Symbol } {
  const checker = program.getTypeChecker();
  const tokens = ts as unknown as { getTokenAtPosition(f: TS.SourceFile, p: number): TS.Node; findPrecedingToken(p: number, f: TS.SourceFile): TS.Node | undefined };
  const at = tokens.getTokenAtPosition(file, pos + offset);
  const token = ts.isIdentifier(at) ? at : tokens.findPrecedingToken(pos + offset, file) ?? at;
  let symbol = checker.getSymbolAtLocation(token);
  if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  return { token, symbol };
}

/** Whether the name at `pos` is declared in TypeScript's default library (lib.es*.d.ts): a JavaScript built-in. */
export function namesBuiltin(cell: Cell, pos: number): boolean {
  const { symbol } = symbolAt(cell, pos);
  return (symbol?.declarations ?? []).some((d) => cell.program.isSourceFileDefaultLibrary(d.getSourceFile()));
}

/** For a class name: `new Name(params)` lines from its constructors (TypeScript's quick info shows only `class Name`). */
export function constructorLines(cell: Cell, pos: number): string[] {
  const { ts, program, file } = cell;
  const checker = program.getTypeChecker();
  const { token, symbol } = symbolAt(cell, pos);
  if (!symbol || !(symbol.flags & ts.SymbolFlags.Class) || ts.isNewExpression(token.parent.parent ?? token.parent)) return [];
  const type = checker.getTypeOfSymbolAtLocation(symbol, token);
  return type.getConstructSignatures().map((sig) => `new ${token.getText(file)}${checker.signatureToString(sig)}`);
}
