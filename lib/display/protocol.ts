/**
 * The one display protocol (as in Deno's kernel): anything with a `[Symbol.for("Jupyter.display")]()`
 * method returns its own MIME bundle. Tensors, modules, charts and images all show themselves
 * through it; the kernel (or any other front end) only provides a `DisplaySink` that carries the
 * bundles to the client.
 */
import { inspect } from "node:util";

/** A Jupyter MIME bundle: `{ "text/plain": "...", "image/png": "<base64>", ... }`. */
export type MimeBundle = Record<string, unknown>;
export type DisplayMetadata = Record<string, unknown>;

/** `Symbol.for("Jupyter.display")`: give an object a method under this key that returns a MIME bundle and it shows as rich output (Deno's display protocol). */
export const DISPLAY = Symbol.for("Jupyter.display");

export interface Displayable {
  [DISPLAY](): MimeBundle | { data: MimeBundle; metadata?: DisplayMetadata };
}

export function isDisplayable(value: unknown): value is Displayable {
  return (typeof value === "object" || typeof value === "function") && value !== null &&
    typeof (value as Partial<Displayable>)[DISPLAY] === "function";
}

/** Turns any value into `{ data, metadata }`; every bundle carries `text/plain`. */
export function toBundle(value: unknown): { data: MimeBundle; metadata: DisplayMetadata } {
  if (isDisplayable(value)) {
    const shown = value[DISPLAY]();
    const hasData = typeof shown === "object" && shown !== null && "data" in shown &&
      typeof (shown as { data: unknown }).data === "object";
    const data = (hasData ? (shown as { data: MimeBundle }).data : shown) as MimeBundle;
    const metadata = (hasData ? (shown as { metadata?: DisplayMetadata }).metadata : undefined) ?? {};
    return { data: { "text/plain": inspect(value), ...data }, metadata };
  }
  return { data: { "text/plain": typeof value === "string" ? value : inspect(value) }, metadata: {} };
}

/** Where display messages go. The kernel installs one; plain Node gets `consoleSink`. */
export interface DisplaySink {
  display(bundle: MimeBundle, metadata: DisplayMetadata, displayId?: string): void;
  update(bundle: MimeBundle, metadata: DisplayMetadata, displayId: string): void;
  clear(wait: boolean): void;
}

/** Outside a notebook: print the text/plain part, ignore updates. */
export const consoleSink: DisplaySink = {
  display(bundle) { console.log(String(bundle["text/plain"] ?? "")); },
  update() { /* nothing to redraw in a terminal */ },
  clear() { /* nothing to clear in a terminal */ },
};

let sink: DisplaySink = consoleSink;
/** Sets where display messages go (the kernel installs its own; plain Node prints text). */
export function setDisplaySink(next: DisplaySink): void { sink = next; }
/** Where display messages go now. */
export function getDisplaySink(): DisplaySink { return sink; }
