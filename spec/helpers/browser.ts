// One headless Chromium (Debian's, through playwright-core) per spec file that
// clicks through pages, started with the project's flags: no sandbox (CI runs
// as root), no GPU, and none of the background traffic a fresh profile makes.

import type { TestFn } from 'ava';
import type { Browser } from 'playwright-core';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Launches Chromium before the file's tests and closes it after them; the returned function gives it to a test. */
export const sharedChromium = (test: TestFn, executablePath: string | undefined): (() => Browser) => {
  let browser: Browser | undefined;
  test.before(async () => {
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: executablePath!, args: CHROMIUM_ARGS });
  });
  test.after.always(async () => browser?.close());
  return () => browser!;
};
