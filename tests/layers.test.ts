/**
 * The layer order of lib/README.md, checked on what the compiler emitted: every relative
 * `require()` of dist/lib, dist/kernel and dist/scripts (the run-time graph) must have no cycle,
 * and no file, in its JavaScript or its type declarations, may import from a layer above its own.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import * as ts from "typescript";
import { Tensor } from "../lib/index";

const DIST = path.join(__dirname, "..");
const SOURCE = path.join(DIST, "..");

/** Lowest first; a file may import its own layer and the ones before it (lib/README.md). */
const LAYERS: [name: string, rank: number, matches: (file: string) => boolean][] = [
  ["lib/errors", 0, (f) => f === "lib/errors"],
  ["lib/backend", 1, (f) => f.startsWith("lib/backend/")],
  ["lib/display", 2, (f) => f.startsWith("lib/display/")],
  ["lib/tensor", 3, (f) => f.startsWith("lib/tensor/")],
  ["lib/ops", 4, (f) => f.startsWith("lib/ops/")],
  ["lib/nn", 5, (f) => f.startsWith("lib/nn/")],
  ["lib/optim", 5, (f) => f.startsWith("lib/optim/")],
  ["lib/data", 6, (f) => f.startsWith("lib/data/")],
  ["lib/serialization", 6, (f) => f.startsWith("lib/serialization/")],
  ["lib/plot", 7, (f) => f.startsWith("lib/plot/")],
  ["lib/torch, lib/index", 8, (f) => f === "lib/torch" || f === "lib/index"],
  ["lib/train", 9, (f) => f.startsWith("lib/train/")],
  ["kernel", 10, (f) => f.startsWith("kernel/") && !f.startsWith("kernel/notebook/") && !f.startsWith("kernel/assign/") && f !== "kernel/cli"],
  ["kernel/notebook", 11, (f) => f.startsWith("kernel/notebook/")],
  ["kernel/assign", 12, (f) => f.startsWith("kernel/assign/")],
  ["kernel/cli", 13, (f) => f === "kernel/cli"],
  ["scripts", 14, (f) => f.startsWith("scripts/")],
];

function layerOf(file: string): { name: string; rank: number } {
  const hit = LAYERS.find(([, , matches]) => matches(file));
  assert.ok(hit, `${file} belongs to no layer: add its folder to LAYERS here and to the order in lib/README.md`);
  return { name: hit[0], rank: hit[1] };
}

function walk(dir: string, suffix: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p, suffix) : e.name.endsWith(suffix) ? [p] : [];
  });
}

/** A module id of dist/, without extension: "lib/tensor/tensor". */
const moduleId = (file: string, suffix: string) => path.relative(DIST, file).slice(0, -suffix.length).split(path.sep).join("/");

/** The module a relative specifier names (a file, or a folder's index), or null for data files (package.json). */
function resolve(fromFile: string, spec: string, suffix: string): string | null {
  const base = path.resolve(path.dirname(fromFile), spec);
  for (const candidate of [base + suffix, path.join(base, "index" + suffix)]) {
    if (fs.existsSync(candidate)) return moduleId(candidate, suffix);
  }
  if (/\.(json|wasm)$/.test(spec)) return null;
  assert.fail(`${path.relative(DIST, fromFile)} imports ${spec}, which is not in dist`);
}

/** Module id → the modules it imports, from `suffix` files: run time (.js) or types (.d.ts). */
function importGraph(suffix: ".js" | ".d.ts"): Map<string, string[]> {
  const pattern = suffix === ".js"
    ? /\brequire\(\s*"(\.{1,2}\/[^"]*)"\s*\)/g
    : /(?:\bfrom|\bimport|\bdeclare module|\bimport\()\s*\(?\s*"(\.{1,2}\/[^"]*)"/g;
  const graph = new Map<string, string[]>();
  for (const root of ["lib", "kernel", "scripts"]) {
    for (const file of walk(path.join(DIST, root), suffix)) {
      if (suffix === ".js" && file.endsWith(".d.ts")) continue;
      // Outputs of deleted sources linger in dist/ until a clean build: skip them.
      if (!fs.existsSync(path.join(SOURCE, moduleId(file, suffix) + ".ts"))) continue;
      const text = fs.readFileSync(file, "utf8");
      const deps = [...text.matchAll(pattern)].map((m) => resolve(file, m[1], suffix)).filter((d): d is string => d !== null);
      graph.set(moduleId(file, suffix), [...new Set(deps)]);
    }
  }
  return graph;
}

/** Every cycle's path, found by depth-first search (each reported once, from its first module). */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (m: string): void => {
    state.set(m, "open");
    stack.push(m);
    for (const d of graph.get(m) ?? []) {
      if (state.get(d) === "open") found.push([...stack.slice(stack.indexOf(d)), d]);
      else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(m, "done");
  };
  for (const m of [...graph.keys()].sort()) if (!state.has(m)) visit(m);
  return found;
}

function upwardImports(graph: Map<string, string[]>): string[] {
  const wrong: string[] = [];
  for (const [from, deps] of graph) {
    const a = layerOf(from);
    for (const to of deps) {
      const b = layerOf(to);
      if (b.rank > a.rank) wrong.push(`${from} (${a.name}) imports ${to} (${b.name}, a layer above)`);
    }
  }
  return wrong.sort();
}

test("the compiled modules of lib, kernel and scripts import each other without a cycle", () => {
  const graph = importGraph(".js");
  assert.ok(graph.size > 80 && graph.get("lib/tensor/tensor")!.includes("lib/tensor/layout"), "the walk found the modules and their imports");
  assert.deepEqual(cycles(graph).map((c) => c.join(" -> ")), []);
});

test("no module imports from a layer above its own, at run time or in its types", () => {
  for (const suffix of [".js", ".d.ts"] as const) assert.deepEqual(upwardImports(importGraph(suffix)), [], suffix);
});

test("the checks catch a cycle and an upward import", () => {
  const graph = new Map([["lib/tensor/tensor", ["lib/ops/index"]], ["lib/ops/index", ["lib/tensor/tensor"]]]);
  assert.deepEqual(cycles(graph), [["lib/ops/index", "lib/tensor/tensor", "lib/ops/index"]]);
  assert.deepEqual(upwardImports(graph), ["lib/tensor/tensor (lib/tensor) imports lib/ops/index (lib/ops, a layer above)"]);
});

test("every Tensor method that lib/ops/methods.ts declares is installed", () => {
  const file = path.join(SOURCE, "lib/ops/methods.ts");
  const sf = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const declared: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isInterfaceDeclaration(node) && node.name.text === "Tensor") {
      for (const m of node.members) if (m.name && ts.isIdentifier(m.name)) declared.push(m.name.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  assert.ok(declared.length > 40, `found the declarations (${declared.length})`);
  const proto = Tensor.prototype as unknown as Record<string, unknown>;
  const missing = [...new Set(declared)].filter((name) => {
    const d = Object.getOwnPropertyDescriptor(proto, name);
    return !d || (typeof d.value !== "function" && typeof d.get !== "function");
  });
  assert.deepEqual(missing, []);
});
