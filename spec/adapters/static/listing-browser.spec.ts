// The directory listing in a real browser (Chromium through playwright-core):
// the page renders, its links work (into a folder and back up, to a file), and
// file names built to break out of the markup (`<script>`, an `<img onerror>`,
// quotes, `%`, `#`, `?`, spaces, non-ASCII) are shown as the text they are,
// link to their own bytes, and never run: every name that would run script if
// it were markup sets a flag or opens a dialog, and neither happens.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import type { Page } from 'playwright-core';
import { startServer } from '../../helpers/server.js';
import { needs } from '../../helpers/system-program.js';
import { sharedChromium } from '../../helpers/browser.js';
import { staticApp } from '../../../adapters/static/index.js';

const { test, paths } = needs('chromium');

/** Each would run script as markup; the text is what the listing must show instead. */
const HOSTILE_FILES = [
  '<script>window.__pwned=1</script>.txt'.replace('</', '<'),
  '<img src=x onerror="window.__pwned=2">.txt',
  `<svg onload='alert(3)'>.txt`,
  '"><iframe src=javascript:alert(4)>.txt',
  `it's "quoted".txt`,
  '100% sure?#not-a-fragment.txt',
  '  spaced  out  .txt',
  '%2e%2e%2fescape.txt',
  'café ünïcödé 日本語 🎉.txt',
];
const HOSTILE_DIR = '<b onmouseover=alert(5)> dir 50%';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-listing-browser-'));
for (const name of HOSTILE_FILES) fs.writeFileSync(path.join(root, name), `the bytes of ${name}\n`);
fs.mkdirSync(path.join(root, HOSTILE_DIR));
fs.writeFileSync(path.join(root, HOSTILE_DIR, 'inner file.txt'), 'inner bytes\n');
fs.mkdirSync(path.join(root, 'plain'));
fs.writeFileSync(path.join(root, 'plain', 'a.txt'), 'a\n');
test.after.always(() => fs.rmSync(root, { recursive: true, force: true }));

const browser = sharedChromium(test, paths.chromium);

/** A page that records dialogs (alert) and page errors; closed with the test. */
const openPage = async (t: ExecutionContext): Promise<{ page: Page; dialogs: string[]; errors: string[] }> => {
  const context = await browser().newContext();
  t.teardown(() => context.close());
  const page = await context.newPage();
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return { page, dialogs, errors };
};

const serveListing = (t: Parameters<typeof startServer>[0]) =>
  startServer(t, { mounts: { '/files': staticApp({ root, listDirectories: true }) } });

/** What a text/plain page shows, without the file's final newline. */
const bodyText = async (page: Page): Promise<string> => String(await page.evaluate('document.body.innerText')).trimEnd();

/** The names the listing shows, as the browser renders them (textContent of each link). */
const linkTexts = (page: Page): Promise<string[]> => page.$$eval('table a', (links) => links.map((a) => a.textContent ?? ''));

test('the listing renders: its title, one link per entry, every hostile name shown as text, no script run', async (t) => {
  const { url } = await serveListing(t);
  const { page, dialogs, errors } = await openPage(t);
  const response = await page.goto(url + '/files/');
  t.is(response?.status(), 200);
  t.is(await page.title(), 'Index of /files/');
  t.is(await page.textContent('h1'), 'Index of /files/');
  const texts = await linkTexts(page);
  // "../" first (the mount sits below "/", as nginx's autoindex at a location), then folders, then files.
  t.is(texts[0], '../');
  t.deepEqual(texts.slice(1, 3).sort(), [`${HOSTILE_DIR}/`, 'plain/'].sort());
  t.deepEqual(texts.slice(3).sort(), [...HOSTILE_FILES].sort());
  t.is(texts.length, HOSTILE_FILES.length + 3, 'one link per entry, nothing extra');
  // Nothing the names hold became an element.
  t.is(await page.$$eval('script, img, svg, iframe, b', (els) => els.length), 0);
  await page.waitForTimeout(300);
  t.is(await page.evaluate('typeof window.__pwned'), 'undefined');
  t.deepEqual(dialogs, []);
  t.deepEqual(errors, []);
});

test('each hostile file name links to its own bytes', async (t) => {
  const { url } = await serveListing(t);
  const { page, dialogs } = await openPage(t);
  for (const name of HOSTILE_FILES) {
    await page.goto(url + '/files/');
    // Click the link whose text is exactly the name (matched in the page, not by a selector built from it).
    const links = await page.$$('table a');
    let clicked = false;
    for (const link of links) {
      if ((await link.textContent()) !== name) continue;
      await Promise.all([page.waitForURL((u) => u.pathname !== '/files/'), link.click()]);
      clicked = true;
      break;
    }
    t.true(clicked, name);
    t.is(await bodyText(page), `the bytes of ${name}`, name);
    t.is(decodeURIComponent(new URL(page.url()).pathname), `/files/${name}`, name);
  }
  t.deepEqual(dialogs, []);
});

test('into a folder and back: its link, its listing with a parent link, ../ and the back button', async (t) => {
  const { url } = await serveListing(t);
  const { page, dialogs } = await openPage(t);
  await page.goto(url + '/files/');
  await Promise.all([page.waitForURL(/\/files\/%3Cb/), page.getByText(`${HOSTILE_DIR}/`, { exact: true }).click()]);
  t.is(await page.title(), `Index of /files/${HOSTILE_DIR}/`);
  t.deepEqual(await linkTexts(page), ['../', 'inner file.txt']);
  await Promise.all([page.waitForURL(/inner%20file\.txt$/), page.getByText('inner file.txt', { exact: true }).click()]);
  t.is(await bodyText(page), 'inner bytes');
  await page.goBack();
  t.is(await page.title(), `Index of /files/${HOSTILE_DIR}/`);
  await Promise.all([page.waitForURL(url + '/files/'), page.getByText('../', { exact: true }).click()]);
  t.is(await page.title(), 'Index of /files/');
  await Promise.all([page.waitForURL(url + '/files/plain/'), page.getByText('plain/', { exact: true }).click()]);
  t.deepEqual(await linkTexts(page), ['../', 'a.txt']);
  await page.goBack();
  t.is(new URL(page.url()).pathname, '/files/');
  t.deepEqual(dialogs, []);
});

test('a folder link without its slash is redirected, so the relative links of its listing still resolve', async (t) => {
  const { url } = await serveListing(t);
  const { page } = await openPage(t);
  await page.goto(url + '/files/plain');
  t.is(new URL(page.url()).pathname, '/files/plain/');
  await Promise.all([page.waitForURL(/a\.txt$/), page.getByText('a.txt', { exact: true }).click()]);
  t.is(await bodyText(page), 'a');
});
