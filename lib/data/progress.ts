/**
 * A progress bar for long loops, tqdm-style: `for (const batch of progress(trainLoader)) ...`.
 * It shows batches done / total, elapsed time, ETA and rate. In a notebook it is one output
 * redrawn in place (update_display_data); in a terminal one stderr line redrawn with `\r`;
 * elsewhere (logs, pipes) a line every `logEvery` seconds and at the end. `quiet: true` (or
 * NNLAB_QUIET=1) shows nothing.
 */
import { consoleSink, DISPLAY, getDisplaySink, type MimeBundle } from "../display/protocol";
import { display, type DisplayHandle } from "../display/display";
import { escapeHtml } from "../display/rich";
import { ValueError } from "../errors";

export interface ProgressOptions {
  /** Number of steps; default: the iterable's `length` (a DataLoader's batch count). */
  total?: number;
  /** Label in front of the bar, e.g. "epoch 1". */
  desc?: string;
  /** Show nothing. */
  quiet?: boolean;
  /** Least time between redraws, in seconds (default 0.1 in a terminal, 0.5 in a notebook). */
  interval?: number;
  /** Without a terminal or notebook: seconds between printed lines (default 30). */
  logEvery?: number;
}

export interface ProgressState {
  readonly done: number;
  readonly total: number | undefined;
  /** Seconds since the start. */
  readonly elapsed: number;
  readonly desc?: string;
}

/** `m:ss`, or `h:mm:ss` from an hour on. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const [h, m, r] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const two = (v: number) => String(v).padStart(2, "0");
  return h > 0 ? `${h}:${two(m)}:${two(r)}` : `${two(m)}:${two(r)}`;
}

const BAR_WIDTH = 20;
const PARTIAL = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];

function bar(fraction: number): string {
  const eighths = Math.floor(Math.min(1, Math.max(0, fraction)) * BAR_WIDTH * 8);
  const full = Math.floor(eighths / 8);
  const part = PARTIAL[eighths % 8];
  return "█".repeat(full) + part + " ".repeat(BAR_WIDTH - full - (part ? 1 : 0));
}

/** `epoch 1:  32%|██████▍             | 300/938 [00:04<00:09, 68.20 it/s]` (tqdm's layout). */
export function formatProgress(state: ProgressState): string {
  const { done, total, elapsed } = state;
  const rate = elapsed > 0 ? done / elapsed : 0;
  const rateText = rate >= 1 || rate === 0 ? `${rate.toFixed(2)} it/s` : `${(1 / rate).toFixed(2)} s/it`;
  const label = state.desc ? `${state.desc}: ` : "";
  if (total === undefined) return `${label}${done} it [${formatDuration(elapsed)}, ${rateText}]`;
  const fraction = total > 0 ? done / total : 1;
  const eta = rate > 0 ? formatDuration((total - done) / rate) : "?";
  return `${label}${String(Math.floor(fraction * 100)).padStart(3)}%|${bar(fraction)}| ${done}/${total} [${formatDuration(elapsed)}<${eta}, ${rateText}]`;
}

/** Where the bar is drawn. */
interface Surface {
  draw(text: string, state: ProgressState, final: boolean): void;
  /** Prints a line of text without garbling the bar. */
  write(line: string): void;
}

class NotebookSurface implements Surface {
  private handle: DisplayHandle | undefined;
  draw(text: string, state: ProgressState): void {
    const value = { [DISPLAY]: (): MimeBundle => ({ "text/plain": text, "text/html": progressHtml(text, state) }) };
    if (this.handle) this.handle.update(value);
    else this.handle = display(value);
  }
  write(line: string): void { console.log(line); }
}

function progressHtml(text: string, state: ProgressState): string {
  const meter = state.total === undefined ? "" : `<progress value="${state.done}" max="${state.total}" style="width: 20em"></progress> `;
  return `<div style="font-family: monospace">${meter}${escapeHtml(text.replace(/\|[^|]*\|/, ""))}</div>`;
}

class TerminalSurface implements Surface {
  private shown = "";
  constructor(private readonly stream: NodeJS.WriteStream) {}
  draw(text: string, _state: ProgressState, final: boolean): void {
    this.shown = final ? "" : text;
    this.stream.write(`\r${text}\x1b[K${final ? "\n" : ""}`);
  }
  write(line: string): void {
    this.stream.write("\r\x1b[K");
    console.log(line);
    if (this.shown) this.stream.write(this.shown);
  }
}

class LogSurface implements Surface {
  private lastLog = 0;
  constructor(private readonly every: number) {}
  draw(text: string, state: ProgressState, final: boolean): void {
    if (!final && state.elapsed - this.lastLog < this.every) return;
    this.lastLog = state.elapsed;
    console.error(text);
  }
  write(line: string): void { console.log(line); }
}

const quietSurface: Surface = { draw() {}, write: (line) => console.log(line) };

function pickSurface(opts: ProgressOptions): Surface {
  if (opts.quiet || process.env["NNLAB_QUIET"] === "1") return quietSurface;
  if (getDisplaySink() !== consoleSink) return new NotebookSurface();
  if (process.stderr.isTTY) return new TerminalSurface(process.stderr);
  return new LogSurface(opts.logEvery ?? 30);
}

/** Wraps an iterable; iterating it advances the bar. `write(line)` prints above / between redraws. */
export class Progress<T> implements Iterable<T>, AsyncIterable<T> {
  readonly total: number | undefined;
  readonly desc: string | undefined;
  private done = 0;
  private startMs = 0;
  private lastDrawMs = -Infinity;
  private readonly intervalMs: number;
  private readonly surface: Surface;

  constructor(private readonly source: Iterable<T> | AsyncIterable<T>, opts: ProgressOptions = {}) {
    const length = (source as { length?: unknown }).length;
    this.total = opts.total ?? (typeof length === "number" ? length : undefined);
    if (this.total !== undefined && !(Number.isInteger(this.total) && this.total >= 0)) {
      throw new ValueError(`progress: total must be a whole number >= 0, got ${this.total}`);
    }
    this.desc = opts.desc;
    this.surface = pickSurface(opts);
    this.intervalMs = 1000 * (opts.interval ?? (this.surface instanceof NotebookSurface ? 0.5 : 0.1));
  }

  get state(): ProgressState {
    return { done: this.done, total: this.total, elapsed: (performance.now() - this.startMs) / 1000, desc: this.desc };
  }

  /** Prints `line` (console.log) without garbling the bar. */
  write(line: string): void {
    this.surface.write(line);
  }

  private begin(): void {
    this.done = 0;
    this.startMs = performance.now();
    this.lastDrawMs = -Infinity;
    this.draw(false);
  }

  private step(): void {
    this.done++;
    if (performance.now() - this.lastDrawMs >= this.intervalMs) this.draw(false);
  }

  private draw(final: boolean): void {
    const state = this.state;
    this.lastDrawMs = performance.now();
    this.surface.draw(formatProgress(state), state, final);
  }

  *[Symbol.iterator](): Iterator<T> {
    if (!(Symbol.iterator in this.source)) throw new ValueError("progress: this source is only async iterable; use for await");
    this.begin();
    try {
      for (const item of this.source) {
        yield item;
        this.step();
      }
    } finally {
      this.draw(true);
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    this.begin();
    try {
      for await (const item of this.source) {
        yield item;
        this.step();
      }
    } finally {
      this.draw(true);
    }
  }
}

/** Wraps an iterable (a DataLoader, an array, `enumerate(...)`) in a progress bar, like tqdm: one line that updates in place in a notebook (rate, elapsed, remaining), plain lines elsewhere. */
export function progress<T>(iterable: Iterable<T> | AsyncIterable<T>, opts: ProgressOptions = {}): Progress<T> {
  return new Progress(iterable, opts);
}
