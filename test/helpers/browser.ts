// Debian's chromium driven by playwright-core, for the data docs: never a downloaded browser, every request
// intercepted (only file:// may load), console errors collected.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.STRATA_CHROMIUM ?? '/usr/bin/chromium';

/** Flags for a quiet, offline headless run as root in CI (no sandbox), with nothing phoning home. */
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export function chromiumPresent(): boolean {
  return existsSync(CHROMIUM);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

export interface Watched {
  /** Every request the page tried that was not file:// (each was aborted). */
  blocked: string[];
  /** console.error messages and uncaught page errors. */
  errors: string[];
}

/** A page on which every request but file:// is aborted and recorded, and console errors are collected. */
export async function watchedPage(browser: Browser, viewport = { width: 1280, height: 900 }): Promise<{ page: Page; watched: Watched }> {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  const watched: Watched = { blocked: [], errors: [] };
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file://')) return route.continue();
    watched.blocked.push(url);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') watched.errors.push(m.text()); });
  page.on('pageerror', (e) => watched.errors.push(String(e)));
  return { page, watched };
}
