// The site as a person uses it: the real `paperboy serve` over the demo corpus, in headless
// Chromium (Debian's /usr/bin/chromium, driven by playwright-core) — reading the lists, search
// and paper pages, then signing up, logging out and in, upvoting and making an API token.
//
// Environment: PAPERBOY_BINARY (required), PAPERBOY_SOURCE_DIR (default: two levels up),
// PAPERBOY_E2E_OUT (where screenshots go; default: a temp directory), PAPERBOY_CHROMIUM
// (default /usr/bin/chromium). Run with `node --test site.test.mjs`; ctest does (label e2e).
//
// Every page the test opens is checked for the same things: no console error, no
// Content-Security-Policy violation, the Subscribe banner (whose form is tried once, on this
// server without a mail relay).
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

const DESKTOP = { width: 1280, height: 800 };
const MOBILE = { width: 390, height: 844 };

let workDir;
let server;
let baseUrl;
let browser;
let page;      // the desktop page every step shares
let mobile;    // a second page at phone width, for the screenshots
const problems = [];  // console errors and CSP violations, with the URL they happened on

// ---------------------------------------------------------------------------------------------
// Pages

async function newPage(viewport) {
  const p = await browser.newPage({ viewport });
  // Runs before the page's own scripts and outside its CSP (an init script is the browser's).
  await p.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI}`);
    });
  });
  p.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    const resource = msg.location().url || '';
    // The 404 step asks for a missing page on purpose, the log-in step sends a wrong password
    // (401); Chromium logs their status.
    if (p.expectingNotFound && resource === p.url() && /status of 404/.test(text)) return;
    if (p.expectingStatus && resource === p.url() &&
        text.includes(`status of ${p.expectingStatus}`)) return;
    problems.push(`${p.url()}: console error: ${text} (${resource})`);
  });
  p.on('pageerror', (err) => problems.push(`${p.url()}: uncaught ${err.message}`));
  return p;
}

// Opens `target` (a path) and checks what every page has; returns the response.
async function open(p, target, expectedStatus = 200) {
  p.expectingNotFound = expectedStatus === 404;
  const response = await p.goto(baseUrl + target, { waitUntil: 'load' });
  assert.equal(response.status(), expectedStatus, `GET ${target}`);
  await checkChrome(p);
  return response;
}

async function checkChrome(p) {
  const where = new URL(p.url()).pathname;
  const banner = p.locator('.banner');
  assert.equal(await banner.count(), 1, `${where}: the Subscribe banner`);
  assert.equal((await banner.locator('button[type=submit]').innerText()).trim(), 'Subscribe',
    `${where}: the banner's button`);
  assert.equal(await p.locator('#header-q').count(), 1, `${where}: the search box`);
  // The site's stylesheet loaded and applies (a CSP problem would leave the page unstyled).
  const rules = await p.evaluate(() => [...document.styleSheets]
    .filter((sheet) => sheet.href && new URL(sheet.href).pathname === '/static/style.css')
    .reduce((n, sheet) => n + sheet.cssRules.length, 0));
  assert.ok(rules > 0, `${where}: /static/style.css is applied`);
}

// The whole page down to MAX_SHOT_HEIGHT pixels (a day's list is many screens long).
const MAX_SHOT_HEIGHT = 2400;

async function screenshot(p, name) {
  const file = path.join(outDir, `${name}.png`);
  const { width } = p.viewportSize();
  const height = await p.evaluate(() => document.documentElement.scrollHeight);
  await p.screenshot({ path: file, fullPage: true,
    clip: { x: 0, y: 0, width, height: Math.min(height, MAX_SHOT_HEIGHT) } });
  return file;
}

// Desktop and mobile screenshots of what the desktop page shows.
async function screenshots(name) {
  await screenshot(page, `desktop-${name}`);
  const target = new URL(page.url());
  mobile.expectingNotFound = page.expectingNotFound;
  await mobile.goto(baseUrl + target.pathname + target.search, { waitUntil: 'load' });
  await checkChrome(mobile);
  await screenshot(mobile, `mobile-${name}`);
}

async function voteCounts(p) {
  return (await p.locator('.card .vote-count').allInnerTexts()).map((t) => Number(t.trim()));
}

function assertNonIncreasing(numbers, what) {
  for (let i = 1; i < numbers.length; ++i) {
    assert.ok(numbers[i] <= numbers[i - 1], `${what}: ${numbers[i - 1]} then ${numbers[i]}`);
  }
}

// ---------------------------------------------------------------------------------------------

before(async () => {
  assert.ok(binary, 'set PAPERBOY_BINARY to the paperboy binary');
  fs.mkdirSync(outDir, { recursive: true });
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-e2e-'));
  const db = path.join(workDir, 'demo.db');
  // The demo's seed page and our own fixtures: an arXiv snapshot and a Hugging Face day.
  const files = ['data/demo/seed-page-2025-11-03.json',
    'tests/testdata/json/handmade_arxiv_snapshot.jsonl',
    'tests/testdata/json/handmade_hf_daily_2024-10-25.json'].map((f) => path.join(sourceDir, f));
  const ingest = spawnSync(binary, ['ingest', '--db', db, '-q', ...files], { encoding: 'utf8' });
  assert.equal(ingest.status, 0, `paperboy ingest failed:\n${ingest.stderr}`);
  // Offline, and any paper may be submitted (the demo's are older than 14 days).
  server = await startServer(binary, db, ['--no-fetch', '--submit-max-age-days', '100000']);
  baseUrl = server.url;
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
  page = await newPage(DESKTOP);
  mobile = await newPage(MOBILE);
});

after(async () => {
  if (browser) await browser.close();
  await stopServer(server);
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  console.log(`screenshots: ${outDir}`);
});

test('the home page lists the latest day ranked by upvotes, with its count', async () => {
  await open(page, '/');
  assert.match(await page.locator('h1').innerText(), /Daily Papers/);
  const votes = await voteCounts(page);
  assert.ok(votes.length > 1, 'the demo day lists several papers');
  assertNonIncreasing(votes, 'home');
  const subtitle = await page.locator('.list-head .subtitle').innerText();
  assert.match(subtitle, new RegExp(`\\b${votes.length} papers\\b`));
  await screenshots('home');
});

test('previous and next move between days', async () => {
  await open(page, '/');
  const home = await page.locator('h1').innerText();
  const previous = page.locator('.pager a[rel=prev]');
  assert.equal(await previous.count(), 1, 'the latest day links to an earlier one');
  await Promise.all([page.waitForURL(/\/papers\/date\/\d{4}-\d{2}-\d{2}$/), previous.click()]);
  await checkChrome(page);
  const earlier = await page.locator('h1').innerText();
  assert.notEqual(earlier, home);
  assertNonIncreasing(await voteCounts(page), page.url());
  const next = page.locator('.pager a[rel=next]');
  assert.equal(await next.count(), 1, 'an earlier day links to the next one');
  await Promise.all([page.waitForURL(/\/papers\/date\//), next.click()]);
  await checkChrome(page);
  // Back on the latest day: its heading names the same day as the home page's.
  const day = home.split('·').pop().trim();
  assert.ok((await page.locator('h1').innerText()).endsWith(day), `back on ${day}`);
});

test('an abstract expands', async () => {
  await open(page, '/');
  const details = page.locator('details.abstract').first();
  assert.equal(await details.count(), 1, 'a long abstract is folded');
  assert.equal(await details.evaluate((d) => d.open), false);
  const full = details.locator('p');
  assert.equal(await full.isVisible(), false);
  await details.locator('summary').click();
  assert.equal(await details.evaluate((d) => d.open), true);
  assert.equal(await full.isVisible(), true);
  assert.ok((await full.innerText()).length > (await details.locator('summary').innerText()).length);
});

test('a title leads to the paper page', async () => {
  await open(page, '/');
  const link = page.locator('.card-title a').first();
  const title = (await link.innerText()).trim();
  const href = await link.getAttribute('href');
  assert.match(href, /^\/papers\//);
  const [response] = await Promise.all([page.waitForNavigation(), link.click()]);
  assert.equal(new URL(page.url()).pathname, href);
  assert.equal(response.status(), 200, `GET ${href} (the paper page)`);
  await checkChrome(page);
  assert.equal((await page.locator('h1').first().innerText()).trim(), title);
  await screenshots('paper');
});

test("a paper's arXiv link leads to arXiv", async () => {
  // These machines have no internet: the browser's request to arxiv.org is answered here, which
  // still proves the link is there, points at the paper's abstract page and can be followed.
  await page.route('https://arxiv.org/**', (route) => route.fulfill({
    status: 200, contentType: 'text/html',
    // No favicon request: it would outlive the route below and fail to resolve.
    body: '<link rel="icon" href="data:,"><title>arXiv stand-in</title><h1>arXiv</h1>' }));
  try {
    await open(page, '/papers/2410.61842');
    const link = page.locator('a', { hasText: /^arXiv page$/ }).first();
    assert.equal(await link.getAttribute('href'), 'https://arxiv.org/abs/2410.61842');
    await Promise.all([page.waitForURL('https://arxiv.org/abs/2410.61842'), link.click()]);
    assert.equal(await page.title(), 'arXiv stand-in');
  } finally {
    // Back on the site before the stand-in goes, so nothing late reaches the real arxiv.org.
    await page.goto(baseUrl + '/', { waitUntil: 'load' });
    await page.unroute('https://arxiv.org/**');
  }
});

test('the header search finds papers and highlights the words', async () => {
  await open(page, '/');
  await page.locator('#header-q').fill('language models');
  const [response] = await Promise.all([page.waitForNavigation(),
    page.locator('#header-q').press('Enter')]);
  const url = new URL(page.url());
  assert.equal(url.pathname, '/search');
  assert.equal(url.searchParams.get('q'), 'language models');
  assert.equal(response.status(), 200, 'GET /search (the search page)');
  await checkChrome(page);
  const boxes = await page.locator('input[name=q]').evaluateAll((inputs) =>
    inputs.map((i) => i.value));
  assert.ok(boxes.includes('language models'), `the query is in a search box: ${boxes}`);
  assert.ok(await page.locator('.card').count() > 0, 'search results');
  const marks = await page.locator('.card mark').allInnerTexts();
  assert.ok(marks.length > 0, 'highlighted words');
  assert.ok(marks.some((m) => /^(language|model)/i.test(m)), `marks: ${marks.slice(0, 5)}`);
  await screenshots('search');
});

// The demo database has no vectors: the search page offers no way to search by meaning. With
// them (a second server over a copy embedded by the real model, when ../shared has it), it does.
const MODEL = path.resolve(sourceDir, '../shared/models/potion-base-4M-int8');

test('search by meaning: the Words / Meaning / Both control, similar papers', async (t) => {
  await open(page, '/search?q=language%20models');
  assert.equal(await page.locator('input[name=mode]').count(), 0, 'no control without vectors');
  assert.doesNotMatch(await page.locator('.result-info').innerText(), /ranked by/);
  if (!fs.existsSync(MODEL)) {
    console.log(`e2e: search by meaning skipped: no model at ${MODEL} (../shared is absent)`);
    t.skip('no embedding model in ../shared');
    return;
  }
  const db = path.join(workDir, 'meaning.db');
  const files = ['data/demo/seed-page-2025-11-03.json',
    'tests/testdata/json/handmade_arxiv_snapshot.jsonl',
    'tests/testdata/json/handmade_hf_daily_2024-10-25.json'].map((f) => path.join(sourceDir, f));
  for (const args of [['ingest', '--db', db, '-q', ...files],
    ['embed', '--db', db, '--model', MODEL]]) {
    const run = spawnSync(binary, args, { encoding: 'utf8' });
    assert.equal(run.status, 0, `paperboy ${args[0]} failed:\n${run.stderr}`);
  }
  const meaning = await startServer(binary, db, ['--no-fetch']);
  try {
    const base = meaning.url;
    await page.goto(`${base}/search?q=image%20generation`, { waitUntil: 'load' });
    await checkChrome(page);
    const modes = page.locator('fieldset.modes');
    assert.deepEqual((await modes.locator('.segmented span').allInnerTexts()).map((s) => s.trim()),
      ['Words', 'Meaning', 'Both']);
    assert.equal(await modes.locator('input[name=mode]:checked').getAttribute('value'), 'hybrid');
    assert.match(await page.locator('.result-info').innerText(), /ranked by words and meaning/);

    // Choosing Meaning searches again at once (app.js), and the pages keep it.
    await Promise.all([page.waitForNavigation(),
      modes.locator('.segmented span', { hasText: 'Meaning' }).click()]);
    await checkChrome(page);
    assert.equal(new URL(page.url()).searchParams.get('mode'), 'semantic');
    assert.match(await page.locator('.result-info').innerText(), /ranked by meaning/);
    assert.ok(await page.locator('.card').count() > 0, 'results by meaning');
    const next = await page.locator('.pager a[rel=next]').getAttribute('href');
    assert.equal(new URL(next, base).searchParams.get('mode'), 'semantic', `next: ${next}`);
    await screenshot(page, 'desktop-search-by-meaning');

    const api = await page.request.get(`${base}/api/papers/search?q=image%20generation&mode=semantic`);
    assert.equal(api.status(), 200);
    assert.equal(api.headers()['x-search-mode'], 'semantic');
    const similar = await page.request.get(`${base}/api/papers/2410.61842/similar?limit=3`);
    assert.equal(similar.status(), 200);
    assert.equal(similar.headers()['x-search-mode'], 'semantic');
    const items = await similar.json();
    assert.equal(items.length, 3);
    assert.ok(items.every((item) => item.paper.id !== '2410.61842'), 'not the paper itself');

    await page.goto(`${base}/papers/2410.61842`, { waitUntil: 'load' });
    await checkChrome(page);
    assert.match(await page.locator('#similar-heading').innerText(), /Similar papers \(by meaning\)/);
    const cards = (await page.locator('.similar .card-title a').allInnerTexts()).map((s) => s.trim());
    assert.equal(cards[0], items[0].paper.title, 'the page shows what the API answers');
  } finally {
    // Back on the first server before the second goes.
    await page.goto(baseUrl + '/', { waitUntil: 'load' });
    await stopServer(meaning);
  }
});

test('the trending and weekly tabs', async () => {
  for (const [tab, pathname] of [['Trending', /^\/papers\/trending$/],
    ['Weekly', /^\/papers\/week\/\d{4}-W\d{2}$/]]) {
    // From the home page, whose tabs point at the weeks of its (the newest) list.
    await open(page, '/');
    const link = page.locator('.site-header nav a', { hasText: tab });
    const [response] = await Promise.all([page.waitForNavigation(), link.click()]);
    assert.equal(response.status(), 200, tab);
    assert.match(new URL(page.url()).pathname, pathname);
    await checkChrome(page);
    assert.equal(await page.locator('.site-header nav a[aria-current=page]').innerText(), tab);
    assert.ok(await page.locator('.card').count() > 0, `${tab} lists papers`);
    if (tab === 'Weekly') assertNonIncreasing(await voteCounts(page), tab);
    await screenshots(tab.toLowerCase());
  }
});

test('an unknown address is a 404 page', async () => {
  await open(page, '/no/such/page', 404);
  assert.match(await page.locator('h1').innerText(), /not found/i);
  assert.equal(await page.locator('a[href="/"]').first().count(), 1, 'a way home');
  await screenshots('not-found');
  page.expectingNotFound = false;
  mobile.expectingNotFound = false;
});

test('the banner asks for an address, how often and a topic, and says when mail is off', async () => {
  await open(page, '/');
  const banner = page.locator('.banner-form');
  // Every field has a label (visually hidden, read by screen readers).
  await banner.getByLabel('Email address').fill('reader@example.org');
  await banner.getByLabel('How often').selectOption('weekly');
  await banner.getByLabel(/^Topic/).fill('diffusion');
  // The mobile banner fits the phone's width.
  await mobile.goto(baseUrl + '/', { waitUntil: 'load' });
  const overflow = await mobile.evaluate(() =>
    document.querySelector('.banner').scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the banner is ${overflow}px wider than a phone`);
  // This server has no mail relay: the answer says so.
  page.expectingStatus = 503;
  const response = await submit(page, banner.locator('button[type=submit]'));
  page.expectingStatus = undefined;
  assert.equal(response.status(), 503);
  assert.match(await page.locator('h1').innerText(), /Email digests are not available/);
});

// ---------------------------------------------------------------------------------------------
// Accounts and upvotes

const HANDLE = 'e2e-reader';
const PASSWORD = 'correct horse battery staple';

async function loggedInAs(p) {
  const handle = p.locator('.site-header .account-handle');
  return (await handle.count()) ? (await handle.innerText()).trim() : null;
}

// Submits a form by clicking `button` and waits for the page it leads to.
async function submit(p, button) {
  const [response] = await Promise.all([p.waitForNavigation(), button.click()]);
  await checkChrome(p);
  return response;
}

test('sign up, log out and log in again', async () => {
  await open(page, '/');
  assert.equal(await loggedInAs(page), null);
  await Promise.all([page.waitForURL(/\/signup$/),
    page.locator('.site-header .account a', { hasText: 'Sign up' }).click()]);
  await checkChrome(page);
  await page.locator('#signup-handle').fill(HANDLE);
  await page.locator('#signup-email').fill('reader@example.org');
  await page.locator('#signup-password').fill(PASSWORD);
  await page.locator('#signup-again').fill(PASSWORD);
  await screenshots('signup');
  await submit(page, page.locator('main button[type=submit]'));
  assert.equal(new URL(page.url()).pathname, '/');
  assert.equal(await loggedInAs(page), `@${HANDLE}`);
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === 'pb_session');
  assert.ok(session, 'the session cookie');
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, 'Lax');
  await screenshot(page, 'desktop-logged-in');

  await submit(page, page.locator('.site-header button', { hasText: 'Log out' }));
  assert.equal(await loggedInAs(page), null);
  assert.equal((await page.context().cookies()).some((c) => c.name === 'pb_session'), false);

  // Log in from a paper's page: it comes back there.
  await open(page, '/papers/2410.61842');
  await Promise.all([page.waitForURL(/\/login\?next=/),
    page.locator('.site-header .account a', { hasText: 'Log in' }).click()]);
  await checkChrome(page);
  await page.locator('#login-handle').fill(HANDLE);
  await page.locator('#login-password').fill('not the password');
  page.expectingStatus = 401;
  const wrong = await submit(page, page.locator('main button[type=submit]'));
  assert.equal(wrong.status(), 401);
  assert.match(await page.locator('.notice-error').innerText(), /Wrong handle or password/);
  assert.equal(await page.locator('#login-handle').inputValue(), HANDLE);
  await screenshots('login-failed');
  page.expectingStatus = undefined;
  await page.locator('#login-password').fill(PASSWORD);
  await submit(page, page.locator('main button[type=submit]'));
  assert.equal(new URL(page.url()).pathname, '/papers/2410.61842');
  assert.equal(await loggedInAs(page), `@${HANDLE}`);
});

test('an upvote counts without a reload and stays after one', async () => {
  await open(page, '/');
  assert.equal(await loggedInAs(page), `@${HANDLE}`, 'still logged in from the test before');
  const card = page.locator('.card').nth(1);
  const button = card.locator('button.votes');
  const title = (await card.locator('.card-title a').innerText()).trim();
  assert.equal(await button.getAttribute('aria-label'), `Upvote ${title}`);
  assert.equal(await button.getAttribute('aria-pressed'), 'false');
  const before = Number(await button.locator('.vote-count').innerText());

  // A reload would lose this mark.
  await page.evaluate(() => { window.stillThisPage = true; });
  const apiCall = page.waitForResponse((r) => /\/api\/papers\/.+\/upvote$/.test(r.url()));
  await button.click();
  const answer = await apiCall;
  assert.equal(answer.request().method(), 'POST');
  assert.equal(answer.status(), 200);
  await page.waitForFunction((b) => b.getAttribute('aria-pressed') === 'true',
    await button.elementHandle());
  assert.equal(Number(await button.locator('.vote-count').innerText()), before + 1);
  assert.equal(await page.evaluate(() => window.stillThisPage), true, 'no reload');
  await screenshot(page, 'desktop-upvoted');

  await page.reload({ waitUntil: 'load' });
  await checkChrome(page);
  const again = page.locator('.card', { hasText: title }).locator('button.votes');
  assert.equal(await again.getAttribute('aria-pressed'), 'true');
  assert.equal(Number(await again.locator('.vote-count').innerText()), before + 1);

  // And back.
  const undo = page.waitForResponse((r) => /\/api\/papers\/.+\/upvote$/.test(r.url()));
  await again.click();
  assert.equal((await undo).request().method(), 'DELETE');
  await page.waitForFunction((b) => b.getAttribute('aria-pressed') === 'false',
    await again.elementHandle());
  assert.equal(Number(await again.locator('.vote-count').innerText()), before);
  await again.click();
  await page.waitForFunction((b) => b.getAttribute('aria-pressed') === 'true',
    await again.elementHandle());
});

test('the settings page makes an API token', async () => {
  await open(page, '/settings');
  assert.match(await page.locator('h1').innerText(), /Settings/);
  await page.getByLabel('Name of a new token').fill('e2e script');
  await submit(page, page.getByRole('button', { name: 'Create token' }));
  const token = (await page.locator('code.new-token').innerText()).trim();
  assert.match(token, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(await page.locator('.tokens .token-name').innerText(), 'e2e script');
  await screenshot(page, 'desktop-settings');
  await page.setViewportSize(MOBILE);
  await screenshot(page, 'mobile-settings');
  await page.setViewportSize(DESKTOP);
  // Shown once.
  await open(page, '/settings');
  assert.equal(await page.locator('code.new-token').count(), 0);
});

test('a comment in Markdown appears on the paper page, and its script does not run', async () => {
  await open(page, '/');
  await submit(page, page.locator('.card .card-title a').first());
  const paperPath = new URL(page.url()).pathname;
  assert.match(paperPath, /^\/papers\//);
  await page.locator('#comment-body').fill(
    '**Great** paper, see [the code](https://example.org). <script>window.__xss = 1</script>');
  await submit(page, page.getByRole('button', { name: 'Comment', exact: true }));
  assert.equal(new URL(page.url()).pathname, paperPath);
  const comment = page.locator('.comment').last();
  assert.equal((await comment.locator('.comment-body strong').innerText()).trim(), 'Great');
  assert.equal(await comment.locator('.comment-author').innerText(), HANDLE);
  assert.equal(await comment.locator('a[href="https://example.org"]').getAttribute('rel'),
    'nofollow ugc');
  assert.equal(await page.evaluate(() => window.__xss), undefined, 'no script ran');
  assert.equal(await page.locator('.comment-body script').count(), 0);
  await comment.scrollIntoViewIfNeeded();
  await screenshot(page, 'desktop-commented');
});

test('a member submits a paper to today\'s list', async () => {
  await open(page, '/submit');
  await page.locator('#submit-id')
    .fill('https://arxiv.org/abs/0706.1183v2');
  await screenshot(page, 'desktop-submit');
  await submit(page, page.locator('main button[type=submit]').first());
  assert.equal(new URL(page.url()).pathname, '/papers/0706.1183');
  await open(page, '/');
  const today = new Date().toISOString().slice(0, 10);
  assert.match(await page.locator('h1').innerText(), /Daily Papers/);
  const card = page.locator('.card', { hasText: 'Rainbow matchings in edge-coloured complete' });
  assert.equal(await card.count(), 1, `the submitted paper is on today's (${today}) list`);
  // Twice is refused, with the reason.
  await open(page, '/submit');
  await page.locator('#submit-id')
    .fill('0706.1183');
  page.expectingStatus = 409;
  const [response] = await Promise.all([page.waitForNavigation(),
    page.locator('main button[type=submit]').first().click()]);
  assert.equal(response.status(), 409);
  assert.match(await page.locator('main').innerText(), /already on today/);
  page.expectingStatus = undefined;
});

test('logging out leaves the votes and shows the page to everyone', async () => {
  await open(page, '/');
  await submit(page, page.locator('.site-header button', { hasText: 'Log out' }));
  assert.equal(await loggedInAs(page), null);
  assert.equal(await page.locator('.card button.votes[aria-pressed=true]').count(), 0);
  // An anonymous upvote leads to the log-in form, which comes back to the list.
  await submit(page, page.locator('.card button.votes').first());
  assert.equal(new URL(page.url()).pathname, '/login');
  await screenshots('login');
});

test('no page logged a console error or a CSP violation', () => {
  assert.deepEqual(problems, []);
});
