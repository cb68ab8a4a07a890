#!/usr/bin/env node
/**
 * `npx nnlab install [--user | --sys-prefix | --prefix DIR] [--name N]` writes the kernelspec;
 * `npx nnlab kernel CONNECTION_FILE` runs the kernel (what kernel.json tells Jupyter to start);
 * `npx nnlab run NOTEBOOK.ipynb…` executes notebooks headless (kernel/notebook/command.ts);
 * `npx nnlab assign | grade | feedback | check …` are course assignments (kernel/assign/cli.ts).
 * Each command is one entry of COMMANDS, loaded only when used.
 */
import { parseArgs } from "node:util";
import { UsageError } from "./errors";
import { installKernelspec, DEFAULT_NAME, type InstallTarget } from "./kernelspec";

const USAGE = `usage:
  nnlab install [--user | --sys-prefix | --prefix DIR] [--name NAME]   write the Jupyter kernelspec (default: --user)
  nnlab kernel CONNECTION_FILE                                          run the kernel (started by Jupyter)
  nnlab run NOTEBOOK.ipynb... [--out DIR] [--html] [--inplace]          execute notebooks headless (nnlab run --help)
            [--timeout SECONDS] [--allow-errors]
  nnlab assign | grade | feedback | check ...                           course assignments (any one alone prints its usage)`;

function installTarget(values: { user?: boolean; "sys-prefix"?: boolean; prefix?: string }): InstallTarget {
  const chosen = [values.user, values["sys-prefix"], values.prefix !== undefined].filter(Boolean).length;
  if (chosen > 1) throw new UsageError("choose one of --user, --sys-prefix, --prefix DIR", USAGE);
  if (values.prefix !== undefined) return { kind: "prefix", dir: values.prefix };
  return values["sys-prefix"] ? { kind: "sys-prefix" } : { kind: "user" };
}

async function install(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { user: { type: "boolean" }, "sys-prefix": { type: "boolean" }, prefix: { type: "string" }, name: { type: "string" } },
  });
  const dir = installKernelspec(installTarget(values), values.name ?? DEFAULT_NAME);
  console.log(`Installed the "TypeScript (${values.name ?? DEFAULT_NAME})" kernelspec in ${dir}`);
}

async function kernel(args: string[]): Promise<void> {
  const { positionals } = parseArgs({ args, allowPositionals: true });
  if (positionals.length !== 1) throw new UsageError("nnlab kernel needs exactly one CONNECTION_FILE", USAGE);
  const { runKernel } = require("./server") as typeof import("./server");
  await runKernel(positionals[0]);
}

/** command -> its handler (argv after the command name) -> exit code (void: 0, or what it set in process.exitCode). */
const COMMANDS: Record<string, (args: string[]) => Promise<number | void>> = {
  install,
  kernel,
  run: (args) => (require("./notebook/command") as typeof import("./notebook/command")).runCommand(args),
  ...Object.fromEntries(["assign", "grade", "feedback", "check"].map((name) =>
    [name, async (args: string[]) => (require("./assign/cli") as typeof import("./assign/cli")).COMMANDS[name]!(args)])),
};

async function main(argv: string[]): Promise<number | void> {
  const [command, ...rest] = argv;
  const handler = command !== undefined && Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!handler) throw new UsageError(command === undefined ? "no command given" : `unknown command ${JSON.stringify(command)}`, USAGE);
  return handler(rest);
}

main(process.argv.slice(2)).then((code) => { if (code !== undefined) process.exitCode = code; }, (e: Error) => {
  console.error(e instanceof UsageError ? e.message : e.stack);
  process.exitCode = e instanceof UsageError ? 2 : 1;
});
