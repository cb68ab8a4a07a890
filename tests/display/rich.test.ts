import { test } from "node:test";
import assert from "node:assert/strict";
import { toBundle } from "../../lib/display/protocol";
import { base64, html, png, svg } from "../../lib/display/rich";
import { DisplayError } from "../../lib/display/errors";
import { encodePng } from "../../lib/display/pixels";

const tinyPng = encodePng({ width: 3, height: 2, rgba: new Uint8Array(3 * 2 * 4).fill(255) });

test("png() takes bytes or base64 and reads the size from IHDR", () => {
  const fromBytes = toBundle(png(tinyPng)), fromBase64 = toBundle(png(base64(tinyPng)));
  assert.deepEqual(fromBytes, fromBase64);
  assert.deepEqual(fromBytes.data, { "image/png": base64(tinyPng), "text/plain": "PNG image 3×2" });
});

test("png() rejects bytes that are not a PNG", () => {
  assert.throws(() => png(Buffer.from("GIF89a")), { name: "DisplayError", message: /PNG signature/ });
  assert.throws(() => png(Buffer.from("GIF89a")), DisplayError);
});

test("svg() rejects markup without an <svg> element", () => {
  assert.throws(() => svg("<div/>"), { name: "DisplayError", message: "svg() needs SVG markup containing an <svg> element" });
});

test("html() text/plain is the first 80 characters of its text", () => {
  assert.equal(toBundle(html(`<p>${"a".repeat(100)}</p>`)).data["text/plain"], `${"a".repeat(79)}…`);
});
