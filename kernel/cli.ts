#!/usr/bin/env node
/**
 * `npx nnlab install [--user | --sys-prefix | --prefix DIR] [--name N]` writes the kernelspec;
 * `npx nnlab kernel CONNECTION_FILE` runs the kernel (what kernel.json tells Jupyter to start).
 */
import { parseArgs } from "node:util";
import { UsageError } from "./errors";
import { installKernelspec, DEFAULT_NAME, type InstallTarget } from "./kernelspec";

const USAGE = `usage:
  nnlab install [--user | --sys-prefix | --prefix DIR] [--name NAME]   write the Jupyter kernelspec (default: --user)
  nnlab kernel CONNECTION_FILE                                          run the kernel (started by Jupyter)
  nnlab assign | grade ...                                              course assignments (either one alone prints its usage)`;

function installTarget(values: { user?: boolean; "sys-prefix"?: boolean; prefix?: string }): InstallTarget {
  const chosen = [values.user, values["sys-prefix"], values.prefix !== undefined].filter(Boolean).length;
  if (chosen > 1) throw new UsageError("choose one of --user, --sys-prefix, --prefix DIR", USAGE);
  if (values.prefix !== undefined) return { kind: "prefix", dir: values.prefix };
  return values["sys-prefix"] ? { kind: "sys-prefix" } : { kind: "user" };
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === "install") {
    const { values } = parseArgs({
      args: rest,
      options: { user: { type: "boolean" }, "sys-prefix": { type: "boolean" }, prefix: { type: "string" }, name: { type: "string" } },
    });
    const dir = installKernelspec(installTarget(values), values.name ?? DEFAULT_NAME);
    console.log(`Installed the "TypeScript (${values.name ?? DEFAULT_NAME})" kernelspec in ${dir}`);
    return;
  }
  if (command === "kernel") {
    const { positionals } = parseArgs({ args: rest, allowPositionals: true });
    if (positionals.length !== 1) throw new UsageError("nnlab kernel needs exactly one CONNECTION_FILE", USAGE);
    const { runKernel } = require("./server") as typeof import("./server");
    await runKernel(positionals[0]);
    return;
  }
  const assignment = (require("./assign/cli") as typeof import("./assign/cli")).COMMANDS[command ?? ""];
  if (assignment) return assignment(rest);
  throw new UsageError(command === undefined ? "no command given" : `unknown command ${JSON.stringify(command)}`, USAGE);
}

main(process.argv.slice(2)).catch((e: Error) => {
  console.error(e instanceof UsageError ? e.message : e.stack);
  process.exit(e instanceof UsageError ? 2 : 1);
});
