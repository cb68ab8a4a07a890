/**
 * `npm run bench -- --quiet`: each suite waits until the machine is otherwise idle, and each records
 * how much CPU others used while it ran. On a shared 2-core machine another session's build moves a
 * ratio by 2x; a figure is only worth recording when nothing else ran beside it.
 */
import { readFileSync } from "node:fs";

/** Busy and total CPU time of the whole machine so far, in clock ticks (/proc/stat's first line). */
function machineTicks(): { busy: number; total: number } | undefined {
  try {
    const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = fields.reduce((a, b) => a + b, 0);
    const idle = fields[3]! + fields[4]!; // idle + iowait
    return { busy: total - idle, total };
  } catch {
    return undefined; // not Linux: no waiting, no figure
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Resolves once the machine was more than `idlePercent` idle in `windows` windows of `windowMs` in a
 * row; false if that did not happen within `maxMs` (the suite then runs anyway, marked as not quiet).
 */
export async function waitForQuiet({ idlePercent = 85, windowMs = 5000, windows = 3, maxMs = 15 * 60_000 } = {}): Promise<boolean> {
  const start = Date.now();
  let quietWindows = 0;
  while (Date.now() - start < maxMs) {
    const a = machineTicks();
    if (!a) return true;
    await sleep(windowMs);
    const b = machineTicks()!;
    const idle = 100 * (1 - (b.busy - a.busy) / Math.max(1, b.total - a.total));
    quietWindows = idle > idlePercent ? quietWindows + 1 : 0;
    if (quietWindows >= windows) return true;
  }
  return false;
}

/** This process's CPU ticks and those of its children it has waited for (kernels, python), from /proc/self/stat. */
function ownTicks(): number | undefined {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ").map(Number);
    return fields[11]! + fields[12]! + fields[13]! + fields[14]!; // utime stime cutime cstime
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds the machine spent on anything but this benchmark (and the processes it started and
 * ended) between the call and `stop()`. /proc/stat counts USER_HZ ticks, 100 per second.
 */
export function othersCpu(): { stop(): number | undefined } {
  const machine = machineTicks();
  const own = ownTicks();
  return {
    stop() {
      const now = machineTicks();
      const ownNow = ownTicks();
      if (!machine || !now || own === undefined || ownNow === undefined) return undefined;
      return Number((((now.busy - machine.busy) - (ownNow - own)) / 100).toFixed(1));
    },
  };
}
