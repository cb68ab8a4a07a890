/**
 * TypeScript's default library (lib.es2022.d.ts and the ~60 files it references) as the checker's
 * program reads it: one file. Every edit of a cell makes a new type checker, and a new type checker
 * merges the global declarations of every file into one table, cloning each symbol that several
 * files declare (Array, ArrayConstructor, String, Promise… are extended in a dozen lib files each):
 * ~1 ms and much of an edit's garbage, every edit. Declarations merged inside one file are merged
 * once, when the file is bound, and the binding is reused by every later program. Measured with the
 * checker alone: a compile 5.5-7.0 → 3.9-4.3 ms, a completion 6.1-7.0 → 4.6-5.1 ms.
 *
 * In the lite program (lite-globals.ts) the library is also read without its doc comments.
 */

const LIB_REFERENCE = /^\/\/\/ <reference lib="([^"]+)" \/>[^\S\n]*\n?/gm;

/** The name of a default library file, "es2022" for ".../lib.es2022.d.ts"; undefined for any other file. */
export function libName(file: string, libDir: string): string | undefined {
  if (!file.startsWith(libDir)) return undefined;
  return /^lib\.([\w.]+)\.d\.ts$/.exec(file.slice(libDir.length))?.[1];
}

/** Reads a default library file by name ("es2022"); undefined: missing (TypeScript reports it). */
export type LibReader = (name: string) => string | undefined;

/** `name` with the libraries it references inlined before it, leaving out (and adding to) `seen`. */
function inline(name: string, seen: Set<string>, read: LibReader, transform: (text: string) => string): string | undefined {
  if (seen.has(name)) return "";
  seen.add(name);
  const text = read(name);
  if (text === undefined) return undefined;
  const referenced = [...text.matchAll(LIB_REFERENCE)].map((m) => inline(m[1]!, seen, read, transform) ?? "").join("");
  return referenced + transform(text.replace(LIB_REFERENCE, ""));
}

/**
 * The default library as the checker reads it: each of `roots` (the program's `lib` option) with
 * every library it references inlined, transitively, the reference directives removed; any library
 * those already hold reads as empty (a package that references one, as @types/node does es2020,
 * must not declare it twice); any other, as one file the same way.
 */
export function oneFileLibrary(roots: readonly string[], read: LibReader, transform: (text: string) => string = (t) => t): LibReader {
  const held = new Set<string>();
  const rootTexts = new Map(roots.map((root) => [root, inline(root, held, read, transform)]));
  return (name) => (rootTexts.has(name) ? rootTexts.get(name) : held.has(name) ? "" : inline(name, new Set(held), read, transform));
}

/**
 * A library's text without doc comments. They are 60 % of the default library's 450 KB, and
 * TypeScript 5.0 parses every doc comment of every file it reads, so they were half of the
 * checker's work before its first program. Only help shows them: help on a built-in loads the full
 * declarations first (checker.ts).
 */
export function withoutDocComments(libText: string): string {
  return libText.replace(/\/\*\*[\s\S]*?\*\//g, "");
}
