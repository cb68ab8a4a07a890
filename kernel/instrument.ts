/**
 * Edits to a compiled cell (TypeScript's CommonJS output, as tslab's converter returns it) before
 * the runner runs it. Lines stay where they were and user code keeps its columns, so the cell's
 * source maps still hold.
 *
 * TypeScript keeps a cell's top-level `let n = 0` as a local and mirrors every write to
 * `exports.n`: `exports.n = n;` after the declaration, `exports.n = (n++, n)` for `n++`. The
 * edits keep the local and drop the mirrors: `exports.n` becomes an accessor of the local
 * (BIND_FUNCTION), so a loop in the cell updates a plain local variable, and later cells, and
 * closures of this one, read and write the same variable through `exports.n`.
 */
import type * as TS from "@tslab/typescript-for-tslab";
import { BIND_FUNCTION, DECLARE_FUNCTION, EXPORT_FUNCTION, TICK_FUNCTION } from "./cells";

/**
 * tslab's own TypeScript build (the compiled cells come from it), required at the first cell: by
 * then the checker has loaded it with its code cache. Required here at load time, it was loaded
 * twice, once plainly and once by the checker (+35 MB and ~0.3 s for every kernel).
 */
let ts: typeof TS;

/** Replace `[at, end)` with `text`; an insertion when `end` is missing. */
interface Edit { at: number; end?: number; text: string }

/** `Object.defineProperty(exports, …)`: how TypeScript's CommonJS output exports imports and `__esModule`. */
function definesExport(node: TS.Node): node is TS.CallExpression {
  return ts.isCallExpression(node) && node.expression.getText() === "Object.defineProperty" &&
    node.arguments.length === 3 && ts.isIdentifier(node.arguments[0]!) && node.arguments[0].text === "exports";
}

/** `exports.NAME = value`: the name written, or undefined for any other node. */
function exportWritten(node: TS.Node): string | undefined {
  if (!ts.isBinaryExpression(node) || node.operatorToken.kind !== ts.SyntaxKind.EqualsToken) return undefined;
  const target = node.left;
  if (!ts.isPropertyAccessExpression(target) || !ts.isIdentifier(target.expression) || target.expression.text !== "exports") return undefined;
  return target.name.text;
}

/** `exports.a = exports.b = void 0;`, TypeScript's first statement for the names a cell exports: those names. */
function declaredNames(statement: TS.Statement): string[] | undefined {
  if (!ts.isExpressionStatement(statement)) return undefined;
  const names: string[] = [];
  let node: TS.Expression = statement.expression;
  for (let name = exportWritten(node); name !== undefined; name = exportWritten(node)) {
    names.push(name);
    node = (node as TS.BinaryExpression).right;
  }
  return names.length > 0 && ts.isVoidExpression(node) ? names : undefined;
}

/** `exports.x = x;` at the top level: the mirror TypeScript writes right after declaring `x`. */
function mirroredName(statement: TS.Statement): string | undefined {
  if (!ts.isExpressionStatement(statement)) return undefined;
  const name = exportWritten(statement.expression);
  const value = name === undefined ? undefined : (statement.expression as TS.BinaryExpression).right;
  return value && ts.isIdentifier(value) && value.text === name ? name : undefined;
}

/** Names declared with `var` in the cell's own scope: at the top level or in its blocks and loops. */
function varNames(sf: TS.SourceFile): Set<string> {
  const names = new Set<string>();
  const add = (name: TS.BindingName): void => {
    if (ts.isIdentifier(name)) names.add(name.text);
    else for (const element of name.elements) if (!ts.isOmittedExpression(element)) add(element.name);
  };
  const visit = (node: TS.Node): void => {
    if (ts.isFunctionLike(node) || ts.isClassStaticBlockDeclaration(node)) return;
    if (ts.isVariableDeclarationList(node) && (node.flags & ts.NodeFlags.BlockScoped) === 0) node.declarations.forEach((d) => add(d.name));
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return names;
}

/** How the cell binds one of its own names: `atTop` for a `var` (never in the TDZ, maybe declared in a block). */
interface Binding { isConst: boolean; atTop: boolean }

/**
 * The cell's own variables, functions and classes: each exported name with a top-level mirror
 * statement (bound there, after its declaration) and each exported `var` (bound at the top, so a
 * `for (var i …)` loop updates a local too).
 */
function ownBindings(sf: TS.SourceFile, exported: ReadonlySet<string>): Map<string, Binding> {
  const consts = new Set<string>();
  const addNames = (name: TS.BindingName): void => {
    if (ts.isIdentifier(name)) consts.add(name.text);
    else for (const element of name.elements) if (!ts.isOmittedExpression(element)) addNames(element.name);
  };
  for (const statement of sf.statements) {
    if (ts.isVariableStatement(statement) && (statement.declarationList.flags & ts.NodeFlags.Const) !== 0) {
      for (const declaration of statement.declarationList.declarations) addNames(declaration.name);
    }
  }
  const own = new Map<string, Binding>();
  for (const name of varNames(sf)) if (exported.has(name)) own.set(name, { isConst: false, atTop: true });
  for (const statement of sf.statements) {
    const name = mirroredName(statement);
    if (name !== undefined && !own.has(name)) own.set(name, { isConst: consts.has(name), atTop: false });
  }
  return own;
}

/** The accessor call for `name` (see BIND_FUNCTION); `$name` cannot be `name` itself. */
function bindCall(name: string, isConst: boolean): string {
  const setter = isConst ? "" : `, ($${name}) => ${name} = $${name}`;
  return `${BIND_FUNCTION}(exports, ${JSON.stringify(name)}, () => ${name}${setter});`;
}

/** Spaces for `text`, newlines kept: a deletion that moves no line and no column. */
function blank(text: string): string {
  return text.replace(/[^\n]/g, " ");
}

/**
 * The edits to a compiled cell, user code keeping its lines and columns:
 * - `__nnlab_tick();` (TICK_FUNCTION) at the top of every loop body, so interrupts stop loops;
 * - `__nnlab_export` (EXPORT_FUNCTION) for `Object.defineProperty(exports, …)` (imports);
 * - `__nnlab_declare` (DECLARE_FUNCTION) for `exports.a = … = void 0;`;
 * - `__nnlab_bind` (BIND_FUNCTION) for `exports.x = x;` after a top-level declaration (after
 *   `__nnlab_declare` for a `var`), and spaces for every other `exports.x = ` of that name (the
 *   local already holds the value).
 */
export function instrumentCell(js: string): string {
  ts ??= require("@tslab/typescript-for-tslab") as typeof TS;
  const sf = ts.createSourceFile("cell.js", js, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const declarations = sf.statements.map(declaredNames);
  const own = ownBindings(sf, new Set(declarations.flatMap((names) => names ?? [])));
  const topBinds = [...own].filter(([, b]) => b.atTop).map(([name, b]) => ` ${bindCall(name, b.isConst)}`).join("");
  const lastDeclaration = declarations.reduce((last, names, i) => (names ? i : last), -1);
  const edits: Edit[] = [];
  const replace = (node: TS.Node, text: string) => edits.push({ at: node.getStart(sf), end: node.end, text });
  const visit = (node: TS.Node): void => {
    if (definesExport(node)) edits.push({ at: node.expression.getStart(sf), end: node.expression.end, text: EXPORT_FUNCTION });
    const written = exportWritten(node);
    if (written !== undefined && own.has(written)) {
      const { left, right } = node as TS.BinaryExpression;
      edits.push({ at: left.getStart(sf), end: right.getStart(sf), text: blank(js.slice(left.getStart(sf), right.getStart(sf))) });
    }
    if (ts.isIterationStatement(node, false)) {
      const body = node.statement;
      if (ts.isBlock(body)) edits.push({ at: body.getStart(sf) + 1, text: `${TICK_FUNCTION}();` });
      else {
        edits.push({ at: body.getStart(sf), text: `{${TICK_FUNCTION}();` });
        edits.push({ at: body.end, text: "}" });
      }
    }
    ts.forEachChild(node, visit);
  };
  sf.statements.forEach((statement, i) => {
    const declared = declarations[i];
    const mirrored = mirroredName(statement);
    const binding = mirrored === undefined ? undefined : own.get(mirrored);
    if (declared) replace(statement, `${DECLARE_FUNCTION}(exports, ${JSON.stringify(declared)});${i === lastDeclaration ? topBinds : ""}`);
    else if (binding) replace(statement, binding.atTop ? blank(statement.getText(sf)) : bindCall(mirrored!, binding.isConst));
    else visit(statement);
  });
  // From the end, so earlier positions stay valid; at one position a replacement goes before an insertion.
  edits.sort((a, b) => b.at - a.at || (b.end ?? b.at) - (a.end ?? a.at));
  let out = js;
  for (const e of edits) out = out.slice(0, e.at) + e.text + out.slice(e.end ?? e.at);
  return out;
}
