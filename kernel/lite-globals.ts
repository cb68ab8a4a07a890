/**
 * The lite declarations the checker starts with; the full ones load the first time a cell needs them.
 *
 * The globals a cell has before Node's declarations are loaded: console, timers, performance,
 * queueMicrotask, structuredClone and `process.env` (the lecture notebooks read NNLAB_QUICK), with
 * the names and shapes @types/node gives them (a cell's
 * committed declarations may name `NodeJS.Timeout` and must still read right once Node's are in).
 *
 * Node's declarations (@types/node and undici-types: 100 files, 2.3 MB) were two thirds of the
 * type checker's start and half its memory, and most cells never use them. The checker starts with
 * these instead and loads Node's the first time a cell needs them (see checker.ts: a cell that
 * does not compile without them, or one that names a Node global or module).
 */

/** Where the checker's program finds this file (served from memory, never written to disk). */
export const LITE_GLOBALS_FILE = "__nnlab_globals__.d.ts";

export const LITE_GLOBALS = `export {};
declare global {
  interface Console {
    log(...data: any[]): void;
    info(...data: any[]): void;
    warn(...data: any[]): void;
    error(...data: any[]): void;
    debug(...data: any[]): void;
    trace(...data: any[]): void;
    dir(item?: any, options?: any): void;
    table(tabularData: any, properties?: readonly string[]): void;
    assert(value: any, message?: string, ...optionalParams: any[]): void;
    count(label?: string): void;
    countReset(label?: string): void;
    group(...label: any[]): void;
    groupCollapsed(...label: any[]): void;
    groupEnd(): void;
    time(label?: string): void;
    timeEnd(label?: string): void;
    timeLog(label?: string, ...data: any[]): void;
  }
  var console: Console;
  namespace NodeJS {
    interface Timeout { ref(): this; unref(): this; hasRef(): boolean; refresh(): this; [Symbol.toPrimitive](): number; }
    interface Immediate { ref(): this; unref(): this; hasRef(): boolean; }
  }
  function setTimeout<TArgs extends any[]>(callback: (...args: TArgs) => void, ms?: number, ...args: TArgs): NodeJS.Timeout;
  function setInterval<TArgs extends any[]>(callback: (...args: TArgs) => void, ms?: number, ...args: TArgs): NodeJS.Timeout;
  function setImmediate<TArgs extends any[]>(callback: (...args: TArgs) => void, ...args: TArgs): NodeJS.Immediate;
  function clearTimeout(timeoutId: NodeJS.Timeout | string | number | undefined): void;
  function clearInterval(intervalId: NodeJS.Timeout | string | number | undefined): void;
  function clearImmediate(immediateId: NodeJS.Immediate | undefined): void;
  function queueMicrotask(callback: () => void): void;
  function structuredClone<T>(value: T, transfer?: { transfer?: ReadonlyArray<any> }): T;
  var performance: { now(): number; readonly timeOrigin: number };
  var process: { readonly env: NodeJS.ProcessEnv };
  namespace NodeJS {
    interface ProcessEnv { [key: string]: string | undefined; TZ?: string }
  }
}
`;

/**
 * Package declaration files the lite program reads as stand-ins (by path suffix), and why. The
 * library's declarations reach them, yet cells rarely need their types:
 * - tfjs-core's tensor.d.ts and types.d.ts reference @webgpu/types: 105 KB of global GPU*
 *   interfaces, which every new type checker (one per edit of a cell) merged into its globals,
 *   though nothing in a Node kernel has WebGPU;
 * - charts carry a Vega-Lite spec and the renderer a vega View: vega-lite's and vega's
 *   declarations are 470 KB in 90 files, 45 % of what the checker parsed before the first cell.
 * With the stand-ins those types are `any` (only in declarations, whose errors skipLibCheck hides
 * anyway); a cell that names them (FULL_NAMES in checker.ts) or does not compile without the full
 * declarations loads the real files.
 */
export const LITE_PACKAGE_FILES: readonly { suffix: string; text: string }[] = Object.freeze([
  { suffix: "/@webgpu/types/dist/index.d.ts", text: "" },
  { suffix: "/vega-lite/build/src/index.d.ts", text: "export type TopLevelSpec = any;\n" },
  { suffix: "/vega/index.d.ts", text: "export type View = any;\n" },
]);
