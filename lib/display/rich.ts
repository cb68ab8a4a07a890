/** Displayable wrappers for ready-made content: HTML, Markdown, SVG, PNG, JSON. */
import { inspect } from "node:util";
import { inspectCustom } from "./inspect";
import { DISPLAY, type DisplayMetadata, type Displayable, type MimeBundle } from "./protocol";
import { DisplayError } from "./errors";

/** A fixed MIME bundle that shows itself; `text/plain` is its one-line description. */
export class MimeObject implements Displayable {
  constructor(readonly data: MimeBundle & { "text/plain": string }, readonly metadata: DisplayMetadata = {}) {}
  [DISPLAY](): { data: MimeBundle; metadata: DisplayMetadata } {
    return { data: this.data, metadata: this.metadata };
  }
  [inspectCustom](): string {
    return this.data["text/plain"];
  }
}

/** Escapes text for HTML and SVG, in element content and attribute values alike. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The first 80 characters of the text in `markup`, on one line. */
function oneLine(markup: string): string {
  const text = markup.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim();
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

export function html(markup: string): MimeObject {
  return new MimeObject({ "text/html": markup, "text/plain": oneLine(markup) || "(HTML)" });
}

export function markdown(text: string): MimeObject {
  return new MimeObject({ "text/markdown": text, "text/plain": text });
}

export function svg(markup: string): MimeObject {
  if (!/<svg[\s>]/.test(markup)) throw new DisplayError("svg() needs SVG markup containing an <svg> element");
  const size = /<svg[^>]*\bwidth="([\d.]+)[^"]*"[^>]*\bheight="([\d.]+)/.exec(markup);
  return new MimeObject({ "image/svg+xml": markup, "text/plain": size ? `SVG image ${size[1]}×${size[2]}` : "SVG image" });
}

const PNG_SIGNATURE = "89504e470d0a1a0a";

/** The base64 of `bytes`, read in place (no copy). */
export function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/** A PNG from its bytes or their base64; `text` describes it (default: its size, read from the IHDR chunk). */
export function png(image: Uint8Array | string, text?: string): MimeObject {
  const bytes = typeof image === "string" ? Buffer.from(image, "base64") : Buffer.from(image.buffer, image.byteOffset, image.byteLength);
  if (bytes.subarray(0, 8).toString("hex") !== PNG_SIGNATURE) {
    throw new DisplayError("png() needs PNG bytes (or their base64) starting with the PNG signature 89 50 4E 47");
  }
  const [width, height] = [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
  return new MimeObject({ "image/png": bytes.toString("base64"), "text/plain": text ?? `PNG image ${width}×${height}` });
}

export function json(value: unknown): MimeObject {
  return new MimeObject({ "application/json": value, "text/plain": inspect(value, { breakLength: Infinity, depth: 2 }) });
}
