/**
 * This kernel run's input history, answering history_request the way IPython does: entries are
 * `[session, line, input]`, or `[session, line, [input, output]]` when output is asked for.
 */
export const SESSION = 1;

interface Entry { line: number; input: string; output: string | null }
type Row = [number, number, string | [string, string | null]];

export interface HistoryQuery {
  hist_access_type?: unknown;
  output?: unknown;
  n?: unknown;
  session?: unknown;
  start?: unknown;
  stop?: unknown;
  pattern?: unknown;
  unique?: unknown;
}

/** IPython's history patterns are shell globs: `*` any text, `?` one character. */
export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[\\s\\S]*").replace(/\?/g, "[\\s\\S]");
  return new RegExp(`^${body}$`);
}

export class History {
  private readonly entries: Entry[] = [];

  add(line: number, input: string, output: string | null): void {
    this.entries.push({ line, input, output });
  }

  query(q: HistoryQuery): Row[] {
    const withOutput = q.output === true;
    const row = (e: Entry): Row => [SESSION, e.line, withOutput ? [e.input, e.output] : e.input];
    const n = typeof q.n === "number" ? q.n : undefined;
    switch (q.hist_access_type) {
      case "tail":
        return (n === undefined ? this.entries : this.entries.slice(-n)).map(row);
      case "range": {
        // Session 0 (or a negative offset) means this kernel's own session, as in IPython.
        if (typeof q.session === "number" && q.session > 0 && q.session !== SESSION) return [];
        const start = typeof q.start === "number" ? q.start : 0;
        const stop = typeof q.stop === "number" ? q.stop : Infinity;
        return this.entries.filter((e) => e.line >= start && e.line < stop).map(row);
      }
      case "search": {
        const pattern = globToRegExp(typeof q.pattern === "string" ? q.pattern : "*");
        let found = this.entries.filter((e) => pattern.test(e.input));
        if (q.unique === true) {
          const seen = new Set<string>();
          found = found.reverse().filter((e) => !seen.has(e.input) && Boolean(seen.add(e.input))).reverse();
        }
        return (n === undefined ? found : found.slice(-n)).map(row);
      }
      default:
        return [];
    }
  }
}
