// Script injection, in a real browser: the real `paperboy serve` over a hostile corpus
// (tests/testdata/hostile/: titles, abstracts, author names, organizations, a submitter and
// code links that carry <script>, "><img onerror=...> and javascript: URLs), in headless
// Chromium. Every page a paper's text reaches — the daily list, the paper page, search
// results, the author and organization pages — must leave `window.__xss` unset, open no
// dialog, hold no injected element or event handler, and have no javascript: link.
//
// The Content-Security-Policy would stop an injected inline script even if the markup got
// through, so the DOM checks (no injected <script>, <img> or on* attribute) are the ones that
// prove the escaping; window.__xss and dialogs would catch a policy that was also broken.
//
// Environment as site.test.mjs: PAPERBOY_BINARY (required), PAPERBOY_SOURCE_DIR,
// PAPERBOY_E2E_OUT, PAPERBOY_CHROMIUM.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { startServer, stopServer } from './server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const binary = process.env.PAPERBOY_BINARY;
const sourceDir = process.env.PAPERBOY_SOURCE_DIR || path.resolve(here, '../..');
const chromiumPath = process.env.PAPERBOY_CHROMIUM || '/usr/bin/chromium';
const outDir = process.env.PAPERBOY_E2E_OUT || path.join(os.tmpdir(), 'paperboy-e2e-screenshots');

const SCRIPT = '<script>window.__xss=1</script>';
const IMG = '"><img src=x onerror="window.__xss=1">';

let workDir;
let server;
let baseUrl;
let browser;
let page;
const dialogs = [];  // every dialog any page opened

// Opens `target` and checks that nothing hostile took effect there.
async function openAndCheck(target, expectedStatus = 200) {
  const response = await page.goto(baseUrl + target, { waitUntil: 'load' });
  assert.equal(response.status(), expectedStatus, `GET ${target}`);
  await assertClean(target);
  return response;
}

async function assertClean(where) {
  const found = await page.evaluate(() => {
    const scripts = [...document.scripts]
      .map((s) => s.getAttribute('src') || `inline: ${s.textContent.slice(0, 60)}`)
      .filter((src) => !src.startsWith('/static/app.js'));
    const handlers = [];
    for (const el of document.querySelectorAll('*')) {
      for (const attr of el.attributes) {
        if (/^on/i.test(attr.name)) handlers.push(`<${el.localName} ${attr.name}>`);
      }
    }
    const scriptLinks = [...document.querySelectorAll('[href], [src], [action], [formaction]')]
      .flatMap((el) => ['href', 'src', 'action', 'formaction'].map((a) => el.getAttribute(a)))
      .filter((v) => v !== null && /^\s*javascript:/i.test(v));
    // The resolved URLs too: what a click would follow.
    const resolved = [...document.querySelectorAll('a[href], area[href]')]
      .map((a) => a.protocol).filter((p) => p === 'javascript:');
    return {
      xss: typeof window.__xss,
      scripts,
      handlers,
      scriptLinks,
      resolved,
      images: [...document.images].map((img) => img.getAttribute('src')),
    };
  });
  assert.equal(found.xss, 'undefined', `${where}: window.__xss was set`);
  assert.deepEqual(found.scripts, [], `${where}: scripts besides app.js`);
  assert.deepEqual(found.handlers, [], `${where}: event handler attributes`);
  assert.deepEqual(found.scriptLinks, [], `${where}: javascript: URLs in attributes`);
  assert.deepEqual(found.resolved, [], `${where}: links that resolve to javascript:`);
  assert.deepEqual(found.images.filter((src) => src === 'x'), [], `${where}: injected <img>`);
  assert.deepEqual(dialogs, [], `${where}: dialogs opened`);
}

before(async () => {
  assert.ok(binary, 'set PAPERBOY_BINARY to the paperboy binary');
  fs.mkdirSync(outDir, { recursive: true });
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-e2e-xss-'));
  const db = path.join(workDir, 'hostile.db');
  const corpus = path.join(sourceDir, 'tests/testdata/hostile/hf_daily_hostile.json');
  const ingest = spawnSync(binary, ['ingest', '--db', db, '-q', corpus], { encoding: 'utf8' });
  assert.equal(ingest.status, 0, `paperboy ingest failed:\n${ingest.stderr}`);
  server = await startServer(binary, db);
  baseUrl = server.url;
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('dialog', async (dialog) => {
    dialogs.push(`${page.url()}: ${dialog.type()} ${dialog.message()}`);
    await dialog.dismiss();
  });
});

after(async () => {
  if (browser) await browser.close();
  await stopServer(server);
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

test('the daily list shows hostile titles as text', async () => {
  await openAndCheck('/');
  const titles = await page.locator('.card-title a').allInnerTexts();
  assert.ok(titles.some((t) => t.includes(SCRIPT)), `titles: ${titles}`);
  assert.ok(titles.some((t) => t.includes(IMG)), `titles: ${titles}`);
  const orgs = await page.locator('.card .badge-org').allInnerTexts();
  assert.ok(orgs.includes(IMG), `organization badges: ${orgs}`);
  // No Code or Project link from a javascript: URL.
  assert.equal(await page.locator('.card-links a', { hasText: 'Code' }).count(), 0);
});

test('the hostile paper page shows its text and no javascript: links', async () => {
  await openAndCheck('/papers/2410.99901');
  assert.equal((await page.locator('h1').innerText()).includes(SCRIPT), true);
  const authors = await page.locator('.authors .author a').allInnerTexts();
  assert.deepEqual(authors, [SCRIPT, IMG, 'Plain Author']);
  const abstract = await page.locator('.abstract').first().innerText();
  assert.ok(abstract.includes(IMG) && abstract.includes(SCRIPT), abstract);
  assert.equal(await page.locator('.paper-side a', { hasText: 'Code' }).count(), 0);
  assert.equal(await page.locator('.paper-side a', { hasText: 'Project page' }).count(), 0);
  // The submitter's name, shown with the daily list it was on.
  assert.ok((await page.locator('.facts').innerText()).includes(`submitted by ${IMG}`));
  await page.screenshot({ path: path.join(outDir, 'desktop-xss-paper.png'), fullPage: true });
  await openAndCheck('/papers/2410.99902');
});

test('search results and their snippets stay text', async () => {
  await openAndCheck('/search?q=hostile');
  assert.equal(await page.locator('.card').count(), 2);
  await openAndCheck(`/search?q=${encodeURIComponent(SCRIPT)}`);
  await openAndCheck(`/search?q=${encodeURIComponent(IMG)}`);
});

test('author and organization pages, reached by their links', async () => {
  await openAndCheck('/papers/2410.99901');
  const author = page.locator('.authors .author a').first();
  await Promise.all([page.waitForURL(/\/authors\//), author.click()]);
  await assertClean('the author page');
  assert.equal(await page.locator('h1').innerText(), SCRIPT);
  assert.equal(await page.locator('.card').count(), 1);

  await openAndCheck(`/authors/${encodeURIComponent(IMG)}`);
  assert.equal(await page.locator('h1').innerText(), IMG);
  assert.equal(await page.locator('.card').count(), 1);

  await openAndCheck('/papers/2410.99901');
  const org = page.locator('.facts a[href^="/orgs/"]');
  await Promise.all([page.waitForURL(/\/orgs\//), org.click()]);
  await assertClean('the organization page');
  assert.equal(await page.locator('h1').innerText(), `${SCRIPT} Labs`);
  assert.equal(await page.locator('.card').count(), 1);
  await openAndCheck(`/orgs/${encodeURIComponent(IMG)}`);
});

test('a hostile handle is refused at sign-up and has no page', async () => {
  await openAndCheck('/signup');
  await page.locator('#signup-handle').fill(IMG);
  await page.locator('#signup-email').fill('mallory@example.org');
  await page.locator('#signup-password').fill('correct horse battery staple');
  await page.locator('#signup-again').fill('correct horse battery staple');
  const [response] = await Promise.all([page.waitForNavigation(),
    page.locator('.account-form button[type=submit]').click()]);
  assert.equal(response.status(), 400);
  await assertClean('the refused sign-up');
  // Shown back as typed (the field keeps 32 characters).
  assert.equal(await page.locator('#signup-handle').inputValue(), IMG.slice(0, 32));
  await openAndCheck(`/u/${encodeURIComponent(SCRIPT)}`, 404);
});
