import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';
import { packageRoot } from '../../lib/package-root.js';
import { onCleanup } from './cleanup.js';
import { requireBinary } from './requirements.js';

/** Where browser tests write their screenshots (CI keeps the directory as an artifact). */
export const SCREENSHOT_DIR = join(packageRoot(), 'test-artifacts', 'screenshots');

/** The two sizes every page must work at. */
export const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
} as const;

let browser: Promise<Browser> | undefined;

/** Debian's headless Chromium through playwright-core, one per test file, closed after it. */
export function testBrowser(): Promise<Browser> {
  browser ??= (async () => {
    const executablePath = requireBinary('chromium', 'chromium');
    // As root (CI) Chromium's own sandbox cannot start; the test's pages are ours alone.
    const b = await chromium.launch({ executablePath, args: ['--no-sandbox'], headless: true });
    onCleanup(() => b.close());
    return b;
  })();
  return browser;
}

/** A fresh browser context (its own cookies) at `viewport` and colour scheme. */
export async function browserContext(
  opts: { viewport?: keyof typeof VIEWPORTS; scheme?: 'light' | 'dark' } = {},
): Promise<BrowserContext> {
  const context = await (await testBrowser()).newContext({
    viewport: VIEWPORTS[opts.viewport ?? 'desktop'],
    colorScheme: opts.scheme ?? 'light',
    ...(opts.viewport === 'phone' ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
  });
  onCleanup(() => context.close());
  return context;
}

/**
 * Screenshots of `url` in light and dark, at desktop and phone width, as
 * `<SCREENSHOT_DIR>/<name>-<scheme>-<viewport>.png`; returns the paths written.
 */
export async function screenshotAll(url: string, name: string): Promise<string[]> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const written: string[] = [];
  for (const scheme of ['light', 'dark'] as const) {
    for (const viewport of ['desktop', 'phone'] as const) {
      const context = await browserContext({ viewport, scheme });
      const page = await context.newPage();
      await page.goto(url);
      const path = join(SCREENSHOT_DIR, `${name}-${scheme}-${viewport}.png`);
      await page.screenshot({ path, fullPage: true });
      written.push(path);
      await context.close();
    }
  }
  return written;
}
