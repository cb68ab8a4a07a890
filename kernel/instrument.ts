/**
 * Edits to a compiled cell (TypeScript's CommonJS output, as tslab's converter returns it) before
 * the runner runs it; line numbers stay where they were, so the cell's source maps still hold.
 */
import type * as TS from "@tslab/typescript-for-tslab";
import { EXPORT_FUNCTION, TICK_FUNCTION } from "./cells";

/** tslab's own TypeScript build: the compiled cells come from it. */
const ts = require("@tslab/typescript-for-tslab") as typeof TS;

/** `Object.defineProperty(exports, …)`: how TypeScript's CommonJS output exports imports and `__esModule`. */
function definesExport(node: TS.Node): node is TS.CallExpression {
  return ts.isCallExpression(node) && node.expression.getText() === "Object.defineProperty" &&
    node.arguments.length === 3 && ts.isIdentifier(node.arguments[0]!) && node.arguments[0].text === "exports";
}

/**
 * Two edits to a compiled cell, lines staying where they were: `__nnlab_tick();` (TICK_FUNCTION) at
 * the top of every loop body, so interrupts stop synchronous loops, and `__nnlab_export`
 * (EXPORT_FUNCTION) for `Object.defineProperty(exports, …)`, so the notebook's names stay plain
 * data properties (see cells.ts).
 */
export function instrumentCell(js: string): string {
  const sf = ts.createSourceFile("cell.js", js, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const edits: { at: number; end?: number; text: string }[] = [];
  const visit = (node: TS.Node): void => {
    if (definesExport(node)) edits.push({ at: node.expression.getStart(sf), end: node.expression.end, text: EXPORT_FUNCTION });
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
  visit(sf);
  edits.sort((a, b) => b.at - a.at);
  let out = js;
  for (const e of edits) out = out.slice(0, e.at) + e.text + out.slice(e.end ?? e.at);
  return out;
}
