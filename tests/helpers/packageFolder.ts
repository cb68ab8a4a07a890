/** A temp folder where `nnlab` resolves by name, as in a user's project: node_modules/nnlab links to this repository. */
import { mkdirSync, mkdtempSync, symlinkSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** The repository root (dist/tests/helpers sits three folders below it). */
export const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");

export function packageFolder(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  mkdirSync(path.join(dir, "node_modules"));
  symlinkSync(REPO_ROOT, path.join(dir, "node_modules", "nnlab"), "dir");
  return dir;
}
