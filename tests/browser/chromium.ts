/**
 * Debian's Chromium (`apt-get install chromium`) driven by playwright-core, which downloads no
 * browser of its own. Every page records what a person's console would show: uncaught errors,
 * console errors and warnings.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { ROOT } from "./servers";

export const CHROMIUM = process.env.NNLAB_CHROMIUM ?? "/usr/bin/chromium";
/** Screenshots land here for a person to look at (out/ is not committed). */
export const SCREENSHOTS = path.join(ROOT, "out", "browser");

export function hasChromium(): boolean {
  return existsSync(CHROMIUM);
}

export interface ConsoleEntry { kind: "pageerror" | "error" | "warning"; text: string }

export interface BrowserSession {
  readonly page: Page;
  /** Uncaught errors and console errors/warnings, in order. */
  readonly console: ConsoleEntry[];
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function openBrowser(): Promise<BrowserSession> {
  const { chromium } = await import("playwright-core");
  const profile = mkdtempSync(path.join(os.tmpdir(), "nnlab-chromium-"));
  // Headless, no sandbox (CI runs as root), and nothing that reaches the network by itself.
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, viewport: { width: 1400, height: 1000 },
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const browser: Browser | null = context.browser();
  const page = context.pages()[0] ?? await context.newPage();
  const entries: ConsoleEntry[] = [];
  page.on("pageerror", (e) => entries.push({ kind: "pageerror", text: e.stack ?? e.message }));
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") entries.push({ kind: m.type() as "error" | "warning", text: m.text() });
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    page, console: entries,
    async screenshot(name) {
      const file = path.join(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    async close() {
      await context.close();
      await browser?.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
