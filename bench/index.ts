/**
 * `npm run bench`: every benchmark, one after another, in one process run (so the machine and
 * date are the same for nnlab and its yardsticks). `npm run bench -- step kernel` runs a subset;
 * `--quiet` makes each suite wait for an otherwise idle machine (bench/quiet.ts). Results are printed
 * and written to out/bench.json, with the CPU seconds others used during each suite.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { othersCpu, waitForQuiet } from "./quiet";
import { targetLines } from "./targets";

/** Benchmark modules in bench/, in the order they run. */
const SUITES = ["step", "backend", "training", "kernel", "live", "plot", "assign"];

async function main(): Promise<void> {
  const quiet = process.argv.includes("--quiet");
  const wanted = process.argv.slice(2).filter((a) => a !== "--quiet");
  const suites = wanted.length ? SUITES.filter((s) => wanted.includes(s)) : SUITES;
  const machine = `${os.cpus()[0]?.model ?? "cpu"}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  console.log(`nnlab benchmarks — ${new Date().toISOString()} — ${machine}\n`);
  const results: Record<string, unknown> = { date: new Date().toISOString(), machine };
  for (const name of suites) {
    let mod: { run?: () => Promise<Record<string, number | string>> };
    try {
      mod = await import(path.join(__dirname, `${name}.js`));
    } catch {
      console.log(`[${name}] not built, skipped\n`);
      continue;
    }
    if (typeof mod.run !== "function") continue;
    if (quiet && !(await waitForQuiet())) console.log(`[${name}] the machine did not get quiet within 15 minutes: measuring anyway`);
    console.log(`[${name}]`);
    const others = othersCpu();
    results[name] = await mod.run();
    const othersSeconds = others.stop();
    if (othersSeconds !== undefined) {
      (results[name] as Record<string, unknown>)["others' CPU during the suite (s)"] = othersSeconds;
      console.log(`others' CPU during [${name}]: ${othersSeconds} s`);
    }
    console.log();
  }
  const targets = targetLines(results);
  if (targets.length > 0) console.log(["[targets]", ...targets, ""].join("\n"));
  const out = path.join(__dirname, "..", "..", "out");
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, "bench.json"), JSON.stringify(results, null, 2) + "\n");
  console.log(`results written to out/bench.json`);
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
