/**
 * The kernel's own cell API, preloaded into every notebook: `input()` / `prompt()` ask the user
 * through the front end's stdin channel (input_request) and return the typed line.
 * The runner installs the implementation; outside the kernel they explain what is missing.
 */
import { StdinNotAvailableError } from "./errors";

export interface InputOptions {
  /** Hide the typed text (passwords); front ends show a password box. */
  password?: boolean;
}

export type InputFunction = (prompt?: string, options?: InputOptions) => string;

export const INPUT_HOOK = Symbol.for("nnlab.kernel.input");

/** Asks the notebook user for one line of text; blocks the cell until it is typed. */
export function input(prompt = "", options: InputOptions = {}): string {
  const hook = (globalThis as { [INPUT_HOOK]?: InputFunction })[INPUT_HOOK];
  if (!hook) throw new StdinNotAvailableError("it only works inside the nnlab Jupyter kernel (npx nnlab kernel)");
  return hook(prompt, options);
}

/** The browser's name for `input`. */
export const prompt: InputFunction = input;
