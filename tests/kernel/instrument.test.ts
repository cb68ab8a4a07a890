/**
 * instrumentCell on TypeScript's CommonJS output for cells (as tslab 1.0.22 compiles them): a
 * cell's own loop updates a local, the exports object gets accessors, and user code keeps its
 * lines and columns. The kernel tests (toplevel.test.ts) run the same cells for real.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { instrumentCell } from "../../kernel/instrument";

/** `let acc = 0; for (let i = 0; i < 1e7; i++) { acc += i % 7; }` then `acc` as the last expression. */
const LOOP_CELL = [
  "exports.acc = exports.tsLastExpr = void 0;",
  "let acc = 0;",
  "exports.acc = acc;",
  "for (let i = 0; i < 1e7; i++) {",
  "    exports.acc = acc += i % 7;",
  "}",
  "exports.tsLastExpr = acc;",
].join("\n");

test("a cell's own loop updates its local; exports gets an accessor after the declaration", () => {
  assert.equal(instrumentCell(LOOP_CELL), [
    '__nnlab_declare(exports, ["acc","tsLastExpr"]);',
    "let acc = 0;",
    '__nnlab_bind(exports, "acc", () => acc, ($acc) => acc = $acc);',
    "for (let i = 0; i < 1e7; i++) {__nnlab_tick();",
    "                  acc += i % 7;",
    "}",
    "exports.tsLastExpr = acc;",
  ].join("\n"));
});

test("a const is bound without a setter, a var at the top; closures, enums and destructuring keep their columns", () => {
  const compiled = [
    "exports.E = exports.b = exports.a = exports.inc = exports.n = exports.k = void 0;",
    "const k = 1;",
    "exports.k = k;",
    "let n = 0;",
    "exports.n = n;",
    "function inc() { exports.n = (n++, n); }",
    "exports.inc = inc;",
    "let [a, { b }] = [1, { b: 2 }];",
    "exports.a = a;",
    "exports.b = b;",
    "var E;",
    "exports.E = E;",
    "(function (E) {",
    '    E[E["A"] = 0] = "A";',
    "})(E || (exports.E = E = {}));",
  ].join("\n");
  assert.equal(instrumentCell(compiled), [
    '__nnlab_declare(exports, ["E","b","a","inc","n","k"]); __nnlab_bind(exports, "E", () => E, ($E) => E = $E);',
    "const k = 1;",
    '__nnlab_bind(exports, "k", () => k);',
    "let n = 0;",
    '__nnlab_bind(exports, "n", () => n, ($n) => n = $n);',
    "function inc() {             (n++, n); }",
    '__nnlab_bind(exports, "inc", () => inc, ($inc) => inc = $inc);',
    "let [a, { b }] = [1, { b: 2 }];",
    '__nnlab_bind(exports, "a", () => a, ($a) => a = $a);',
    '__nnlab_bind(exports, "b", () => b, ($b) => b = $b);',
    "var E;",
    "              ",
    "(function (E) {",
    '    E[E["A"] = 0] = "A";',
    "})(E || (            E = {}));",
  ].join("\n"));
});

test("a var declared in a loop is bound at the top; an earlier cell's variable stays an exports property", () => {
  const compiled = [
    "exports.k = void 0;",
    "for (var k = 0; k < 2; exports.k = (k++, k))",
    "    exports.total = exports.total + k;",
  ].join("\n");
  assert.equal(instrumentCell(compiled), [
    '__nnlab_declare(exports, ["k"]); __nnlab_bind(exports, "k", () => k, ($k) => k = $k);',
    "for (var k = 0; k < 2;             (k++, k))",
    "    {__nnlab_tick();exports.total = exports.total + k;}",
  ].join("\n"));
});

test("imports go through __nnlab_export, as plain data properties", () => {
  const compiled = 'Object.defineProperty(exports, "__esModule", { value: true });';
  assert.equal(instrumentCell(compiled), '__nnlab_export(exports, "__esModule", { value: true });');
});
