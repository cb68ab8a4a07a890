import { TorchError } from "../errors";

/** Bad input to a display or plot helper: the message names the argument, what it got, and the fix. */
export class DisplayError extends TorchError {}
