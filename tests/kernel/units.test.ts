/** Pure pieces of the kernel: message signing and framing, history queries, the kernelspec install. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { decode, encode, newHeader, sign, type Message } from "../../kernel/wire";
import { FrameError, SignatureError } from "../../kernel/errors";
import { globToRegExp, History, SESSION } from "../../kernel/history";
import { kernelsDir, userDataDir } from "../../kernel/kernelspec";
import { CLI } from "./client";

const message = (): Message => ({
  identities: [Buffer.from("client-1")], header: newHeader("kernel_info_request", "s1"),
  parent_header: {}, metadata: {}, content: { a: 1 }, buffers: [],
});

test("sign is HMAC-SHA256 over the four JSON frames, empty without a key", () => {
  // echo -n '{}{}{}{}' | openssl dgst -sha256 -hmac k
  assert.equal(sign("k", ["{}", "{}", "{}", "{}"]), "6f7c3dea506a2fb840fc9377d65462646f8e8df4acfafa710cf0c50bb2db8de2");
  assert.equal(sign("", ["{}"]), "");
});

test("encode then decode gives the message back; a wrong key or missing delimiter is refused", () => {
  const msg = message();
  const frames = encode("secret", msg);
  assert.equal(frames[1].toString(), "<IDS|MSG>");
  const back = decode("secret", frames);
  assert.deepEqual(back, msg);
  assert.throws(() => decode("other", frames), SignatureError);
  assert.throws(() => decode("secret", frames.slice(2)), FrameError);
});

test("history answers tail, range and search like IPython", () => {
  const h = new History();
  h.add(1, "a = 1", null);
  h.add(2, "b = 2", "2");
  h.add(3, "a = 1", null);
  assert.deepEqual(h.query({ hist_access_type: "tail", n: 2 }), [[SESSION, 2, "b = 2"], [SESSION, 3, "a = 1"]]);
  assert.deepEqual(h.query({ hist_access_type: "tail", n: 1, output: true }), [[SESSION, 3, ["a = 1", null]]]);
  assert.deepEqual(h.query({ hist_access_type: "range", session: 0, start: 2, stop: 3 }), [[SESSION, 2, "b = 2"]]);
  assert.deepEqual(h.query({ hist_access_type: "search", pattern: "a*" }), [[SESSION, 1, "a = 1"], [SESSION, 3, "a = 1"]]);
  assert.deepEqual(h.query({ hist_access_type: "search", pattern: "a*", unique: true }), [[SESSION, 3, "a = 1"]]);
  assert.equal(globToRegExp("6 * 7").test("6 * 7"), true);
  assert.equal(globToRegExp("a?c").test("abbc"), false);
});

test("kernelspec folders follow jupyter_client's paths", () => {
  assert.equal(userDataDir({ JUPYTER_DATA_DIR: "/x/data" }), "/x/data");
  assert.equal(userDataDir({ XDG_DATA_HOME: "/x/share" }), "/x/share/jupyter");
  assert.equal(kernelsDir({ kind: "prefix", dir: "/opt/env" }), "/opt/env/share/jupyter/kernels");
  assert.equal(kernelsDir({ kind: "sys-prefix" }, { VIRTUAL_ENV: "/venv" }), "/venv/share/jupyter/kernels");
});

test("nnlab install --prefix DIR --name N writes kernel.json with absolute node and cli paths, and logos", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "nnlab-spec-"));
  const out = spawnSync(process.execPath, [CLI, "install", "--prefix", dir, "--name", "lecture"], { encoding: "utf8" });
  assert.equal(out.status, 0, out.stderr);
  const spec = path.join(dir, "share", "jupyter", "kernels", "lecture");
  assert.deepEqual(JSON.parse(readFileSync(path.join(spec, "kernel.json"), "utf8")), {
    argv: [process.execPath, CLI, "kernel", "{connection_file}"],
    display_name: "TypeScript (lecture)", language: "typescript", interrupt_mode: "message", env: {}, metadata: { debugger: false },
  });
  for (const logo of ["logo-32x32.png", "logo-64x64.png", "logo-svg.svg"]) assert.ok(existsSync(path.join(spec, logo)), logo);
  assert.deepEqual([...readFileSync(path.join(spec, "logo-64x64.png")).subarray(1, 4)], [0x50, 0x4e, 0x47]);
});

test("nnlab with a bad command or two install targets explains the usage", () => {
  const bad = spawnSync(process.execPath, [CLI, "instal"], { encoding: "utf8" });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown command "instal"\nusage:/);
  const both = spawnSync(process.execPath, [CLI, "install", "--user", "--prefix", "some/prefix"], { encoding: "utf8" });
  assert.equal(both.status, 2);
  assert.match(both.stderr, /choose one of --user, --sys-prefix, --prefix DIR/);
});
