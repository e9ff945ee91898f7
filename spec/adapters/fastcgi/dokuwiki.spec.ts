// A real PHP application behind php:DIR: DokuWiki from Debian's package, run
// from a copy of its files made for each test (code, settings and an empty
// data folder in a temporary folder; the installed wiki is never written),
// served by the `portico` CLI with a php-fpm it starts, and used in Chromium
// as a person would: open the start page, log in, create the page with the
// editor, save it, see it rendered, follow its link to a page that does not
// exist yet, create that one, come back, and find the first page with the
// search box. The other test checks what a page pulls in (CSS and JS from
// PHP, images from portico/static) and that PHP's notices reach the server's
// error log with the mount and the script.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { ExecutionContext } from 'ava';
import type { Page, Response } from 'playwright-core';
import { needs } from '../../helpers/system-program.js';
import { sharedChromium } from '../../helpers/browser.js';
import { startCli, type RunningCli } from '../../helpers/cli.js';

const { test, paths } = needs('php-fpm', 'chromium', 'dokuwiki');

const USER = 'alice';
const PASSWORD = 'portico-secret-1';
const CODEWORD = 'zephyrquokka';

interface Wiki {
  site: string;
  data: string;
}

/**
 * A private DokuWiki. Debian splits it: the code in /usr/share/dokuwiki (its
 * lib/tpl and lib/plugins are links into /var/lib/dokuwiki), the settings in
 * /etc/dokuwiki, the pages in /var/lib/dokuwiki/data. The copy follows the
 * links; inc/preload.php (Debian's, which points at /etc/dokuwiki) is replaced
 * by one naming the copied settings; the settings name the new data folder,
 * and out of the document root, so neither is served as a file.
 */
const copyDokuWiki = (t: ExecutionContext): Wiki => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-dokuwiki-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const site = path.join(dir, 'site');
  const conf = path.join(dir, 'conf');
  const data = path.join(dir, 'data');
  fs.cpSync(paths.dokuwiki!, site, { recursive: true, dereference: true });
  fs.writeFileSync(path.join(site, 'inc/preload.php'), `<?php\ndefine('DOKU_CONF', ${JSON.stringify(conf + '/')});\n`);
  // The ACL and user files are links into /var/lib/dokuwiki/acl (www-data only): this wiki has its own.
  fs.cpSync('/etc/dokuwiki', conf, { recursive: true, dereference: true, filter: (src) => !/\/(acl|users)\.auth\.php$/.test(src) });
  fs.writeFileSync(
    path.join(conf, 'local.php'),
    `<?php\n$conf['title'] = 'Portico Wiki';\n$conf['savedir'] = ${JSON.stringify(data)};\n$conf['useacl'] = 1;\n$conf['superuser'] = '@admin';\n`,
  );
  // Readers may read, users may create and upload (DokuWiki's ACL levels 1 and 8).
  fs.writeFileSync(path.join(conf, 'acl.auth.php'), '# <?php exit()?>\n*\t@ALL\t1\n*\t@user\t8\n');
  const hash = createHash('md5').update(PASSWORD).digest('hex');
  fs.writeFileSync(path.join(conf, 'users.auth.php'), `# <?php exit()?>\n${USER}:${hash}:Alice Example:alice@example.test:admin,user\n`);
  // DokuWiki's switch for E_ALL: its notices are then reported, and must reach our log.
  fs.writeFileSync(path.join(conf, 'report_e_all'), '');
  for (const sub of ['pages', 'attic', 'meta', 'media', 'media_attic', 'media_meta', 'cache', 'index', 'locks', 'tmp', 'log']) {
    fs.mkdirSync(path.join(data, sub), { recursive: true });
  }
  return { site, data };
};

const serveWiki = (t: ExecutionContext, wiki: Wiki): Promise<RunningCli> => startCli(t, ['--port', '0', '--mount', `/=php:${wiki.site}`, '--php-fpm', 'start']);

const browser = sharedChromium(test, paths.chromium);

interface Visit {
  page: Page;
  /** Every response from the wiki's own origin. */
  responses: Response[];
  errors: string[];
}

const openPage = async (t: ExecutionContext, origin: string): Promise<Visit> => {
  const context = await browser().newContext();
  t.teardown(() => context.close());
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const responses: Response[] = [];
  const errors: string[] = [];
  page.on('response', (r) => {
    if (r.url().startsWith(origin)) responses.push(r);
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return { page, responses, errors };
};

const content = (page: Page): Promise<string> => page.locator('#dokuwiki__content').innerText();

/** Clicks and waits for the page it leads to. */
const clickThrough = async (page: Page, click: () => Promise<void>): Promise<void> => {
  await Promise.all([page.waitForNavigation(), click()]);
};

test.serial('DokuWiki in Chromium: log in, create a page in the editor, save, follow its link, create that page, search', async (t) => {
  const wiki = copyDokuWiki(t);
  const cli = await serveWiki(t, wiki);
  const { page, responses, errors } = await openPage(t, cli.url);

  await page.goto(cli.url + '/');
  t.is(new URL(page.url()).search, '?id=start', '/ goes to DokuWiki, which sends the browser to its start page');
  t.is(await page.title(), 'start [Portico Wiki]');
  t.regex(await content(page), /This topic does not exist yet/);

  await clickThrough(page, () => page.getByRole('link', { name: 'Log In' }).click());
  await page.fill('input[name=u]', USER);
  await page.fill('input[name=p]', PASSWORD);
  await clickThrough(page, () => page.click('#dw__login button[type=submit]'));
  t.deepEqual(await page.locator('.user').allInnerTexts(), ['Logged in as: Alice Example (alice)']);

  await clickThrough(page, () => page.getByRole('link', { name: 'Create this page' }).click());
  await page.fill('#wiki__text', `====== Portico Notes ======\nThis wiki runs under **Portico** and php-fpm. Codeword: ${CODEWORD}.\n\nSee [[portico:details]] for more.\n`);
  await page.fill('#edit__summary', 'first page');
  await clickThrough(page, () => page.click('button[name="do[save]"]'));
  t.is(new URL(page.url()).search, '?id=start');
  t.is(await page.locator('#dokuwiki__content h1').innerText(), 'Portico Notes');
  t.is(await page.locator('#dokuwiki__content strong').innerText(), 'Portico');
  t.regex(fs.readFileSync(path.join(wiki.data, 'pages/start.txt'), 'utf8'), new RegExp(`Codeword: ${CODEWORD}`), 'saved in the copy');

  // A link to a page that does not exist yet (DokuWiki's class wikilink2), followed, then created.
  const details = page.locator('#dokuwiki__content').getByRole('link', { name: 'details' });
  t.is(await details.getAttribute('class'), 'wikilink2');
  await clickThrough(page, () => details.click());
  t.is(new URL(page.url()).searchParams.get('id'), 'portico:details');
  t.regex(await content(page), /This topic does not exist yet/);
  await clickThrough(page, () => page.getByRole('link', { name: 'Create this page' }).click());
  await page.fill('#wiki__text', 'Details, and back to [[:start|the notes]].\n');
  // DokuWiki keeps the start page's rendering until its purge file, touched when a page is created, is
  // newer, in whole seconds (inc/Cache/CacheRenderer.php): a creation in the same second leaves it stale.
  await page.waitForTimeout(1_100);
  await clickThrough(page, () => page.click('button[name="do[save]"]'));
  t.regex(await content(page), /Details, and back to the notes\./);
  t.true(fs.existsSync(path.join(wiki.data, 'pages/portico/details.txt')));
  await clickThrough(page, () => page.locator('#dokuwiki__content').getByRole('link', { name: 'the notes' }).click());
  t.is(await page.locator('#dokuwiki__content').getByRole('link', { name: 'details' }).getAttribute('class'), 'wikilink1', 'the link now leads to an existing page');

  // The full-text index is built by DokuWiki's task runner, which pages load as an image: search until it has caught up.
  let results = '';
  for (let i = 0; i < 20; i++) {
    await page.fill('#qsearch__in', CODEWORD);
    await clickThrough(page, () => page.press('#qsearch__in', 'Enter'));
    results = await content(page);
    if (/Fulltext results:[\s\S]*\bstart\b/.test(results)) break;
    await page.waitForTimeout(300);
  }
  t.regex(results, /Fulltext results:/);
  t.regex(results, new RegExp(`\\bstart\\b[\\s\\S]*1 Hits[\\s\\S]*${CODEWORD}`));
  await clickThrough(page, () => page.locator('.search_fulltextresult dt a', { hasText: 'start' }).click());
  t.is(await page.locator('#dokuwiki__content h1').innerText(), 'Portico Notes');

  const failed = responses.filter((r) => r.status() >= 400).map((r) => `${r.status()} ${r.url()}`);
  t.deepEqual(failed, [], 'no request of the wiki failed');
  t.deepEqual(errors, []);
  t.deepEqual(cli.stderr.filter((l) => /ERR_FCGI|php-fpm/.test(l)), [], 'no FastCGI failure logged');
});

test.serial("DokuWiki's page pulls in CSS and JS from PHP and images from portico/static; PHP's notices reach the error log", async (t) => {
  const wiki = copyDokuWiki(t);
  const cli = await serveWiki(t, wiki);
  const { page, responses, errors } = await openPage(t, cli.url);
  await page.goto(cli.url + '/doku.php?id=start');
  await page.waitForLoadState('load');
  const seen = (pattern: RegExp): Response | undefined => responses.find((r) => pattern.test(new URL(r.url()).pathname));
  const css = seen(/^\/lib\/exe\/css\.php$/);
  const js = seen(/^\/lib\/exe\/js\.php$/);
  t.is(css?.status(), 200);
  t.regex(css?.headers()['content-type'] ?? '', /^text\/css/);
  t.is(js?.status(), 200);
  t.regex(js?.headers()['content-type'] ?? '', /javascript/);
  // The template's images are files under the root: served by portico/static, with its validators.
  const image = responses.find((r) => /^\/lib\/tpl\/dokuwiki\/images\/.+\.(png|svg|ico)$/.test(new URL(r.url()).pathname));
  t.truthy(image, 'the template loads an image');
  t.is(image!.status(), 200);
  t.truthy(image!.headers()['etag'], 'static files carry an ETag');
  t.deepEqual(responses.filter((r) => r.status() >= 400).map((r) => `${r.status()} ${r.url()}`), []);
  t.deepEqual(errors, []);
  // PHP 8.2 reports deprecations in DokuWiki 2022-07 (report_e_all): each is a stderr line with the mount and the script.
  const notices = cli.stderr.filter((l) => / stderr /.test(l) && /PHP Deprecated/.test(l));
  t.true(notices.some((l) => l.includes('mount="/"') && /script="\/(doku|lib\/exe\/css)\.php"/.test(l)), cli.stderr.slice(0, 5).join('\n'));
  t.true(notices.some((l) => l.includes(wiki.site + '/')), 'they name files of the copy');
  t.false(notices.some((l) => l.includes('/usr/share/dokuwiki/')), 'not of the installed wiki');
});
