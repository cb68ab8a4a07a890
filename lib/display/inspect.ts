/**
 * Node's `util.inspect.custom`, the same registered symbol, declared here: a method named
 * `[inspect.custom]` makes the library's .d.ts files import node:util, and every program that reads
 * them (the kernel's type checker, before each cell) then has to load all of Node's declarations.
 */
export const inspectCustom: unique symbol = Symbol.for("nodejs.util.inspect.custom");
