// kernels.generated.ts is committed (so builds and installs need no AssemblyScript compiler): this
// compiles the .as sources again and fails when the committed output is not what they compile to.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { generated, generatedFile } from "../../lib/backend/wasm/simd/generate";

test("kernels.generated.ts is what the .as sources compile to (regenerate: node dist/lib/backend/wasm/simd/generate.js)", async () => {
  const committed = fs.readFileSync(generatedFile, "utf8");
  assert.ok(committed === (await generated()), "kernels.generated.ts is stale: run npm run build --silent && node dist/lib/backend/wasm/simd/generate.js");
});
