// Subscribing as a person does it: the real `paperboy serve` with a real SMTP server
// (tests/support/smtp_server.py) in headless Chromium. Subscribe from the banner, open the
// confirmation link from the mail that arrived, press the button, get the digest, follow its
// unsubscribe link and press that button — with screenshots of each page.
//
// Environment: as site.test.mjs (PAPERBOY_BINARY, PAPERBOY_SOURCE_DIR, PAPERBOY_E2E_OUT,
// PAPERBOY_CHROMIUM). Needs Debian's python3-aiosmtpd.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
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

let workDir;
let db;
let mailDir;
let smtp;      // { child, port }
let server;
let baseUrl;
let browser;
let page;
const problems = [];

// The Python that has aiosmtpd: the one on PATH, or Debian's.
function python() {
  for (const candidate of ['python3', '/usr/bin/python3']) {
    const probe = spawnSync(candidate, ['-c', 'import aiosmtpd'], { encoding: 'utf8' });
    if (probe.status === 0) return candidate;
  }
  throw new Error('python3-aiosmtpd is missing (scripts/install-deps.sh)');
}

function startSmtp(dir) {
  return new Promise((resolve, reject) => {
    const child = spawn(python(), [path.join(sourceDir, 'tests/support/smtp_server.py'),
      '--dir', dir, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`SMTP server did not start: ${out}`)), 30_000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/listening on (\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]) });
      }
    });
    child.on('exit', (code) => reject(new Error(`SMTP server exited (${code}): ${out}`)));
  });
}

// The received messages, parsed by Python's `email` (tests/support/parse_mail.py).
function messages() {
  const files = fs.readdirSync(mailDir).filter((f) => f.endsWith('.eml')).sort()
    .map((f) => path.join(mailDir, f));
  if (files.length === 0) return [];
  const parsed = spawnSync(python(), [path.join(sourceDir, 'tests/support/parse_mail.py'),
    ...files], { encoding: 'utf8' });
  assert.equal(parsed.status, 0, parsed.stderr);
  return parsed.stdout.split('\n').filter((line) => line.trim()).map((line) => JSON.parse(line));
}

function header(message, name) {
  const found = message.headers.find(([k]) => k.toLowerCase() === name.toLowerCase());
  return found ? found[1] : undefined;
}

async function waitForMessages(n) {
  for (let i = 0; i < 200; i++) {
    const all = messages();
    if (all.length >= n) return all;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`expected ${n} messages, got ${messages().length}`);
}

async function shot(name) {
  await page.screenshot({ path: path.join(outDir, `mail-${name}.png`), fullPage: true });
}

before(async () => {
  assert.ok(binary, 'set PAPERBOY_BINARY to the paperboy binary');
  fs.mkdirSync(outDir, { recursive: true });
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-e2e-mail-'));
  db = path.join(workDir, 'demo.db');
  mailDir = path.join(workDir, 'mail');
  const ingest = spawnSync(binary, ['ingest', '--db', db, '-q',
    path.join(sourceDir, 'tests/testdata/json/handmade_hf_daily_2024-10-25.json')],
  { encoding: 'utf8' });
  assert.equal(ingest.status, 0, `paperboy ingest failed:\n${ingest.stderr}`);
  smtp = await startSmtp(mailDir);
  // The public URL is learnt from the server's own address below: start on a fixed free port.
  const probe = await startServer(binary, db, []);
  const port = new URL(probe.url).port;
  await stopServer(probe);
  server = await startServer(binary, db, [
    '--smtp-url', `smtp://127.0.0.1:${smtp.port}`, '--mail-from', 'papers@paperboy.example',
    '--public-url', `http://127.0.0.1:${port}`, '--no-digests'], `127.0.0.1:${port}`);
  baseUrl = server.url;
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (err) => problems.push(`${page.url()}: uncaught ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`${page.url()}: console error: ${msg.text()}`);
  });
});

after(async () => {
  if (browser) await browser.close();
  await stopServer(server);
  if (smtp) smtp.child.kill('SIGTERM');
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

test('subscribe from the banner, confirm from the mail, get the digest, unsubscribe', async () => {
  await page.goto(baseUrl + '/', { waitUntil: 'load' });
  await page.getByLabel('Email address').first().fill('reader@example.org');
  await page.getByRole('button', { name: 'Subscribe' }).first().click();
  await page.waitForLoadState('load');
  assert.match(await page.textContent('main'), /Check your inbox/i);
  await shot('check-inbox');

  const [confirmation] = await waitForMessages(1);
  assert.match(header(confirmation, 'Subject'), /^Confirm/);
  const link = confirmation.links[0];
  assert.ok(link.startsWith(`${baseUrl}/subscriptions/confirm/`), link);

  // Opening the link changes nothing by itself; the button confirms.
  await page.goto(link, { waitUntil: 'load' });
  await shot('confirm');
  const before = spawnSync(binary, ['subscription', 'list', '--db', db, '--email', 'reader@example.org', '--json'],
    { encoding: 'utf8' });
  assert.match(before.stdout, /"status":\s*"pending"/);
  await page.getByRole('button', { name: 'Yes, subscribe' }).click();
  await page.waitForLoadState('load');
  assert.match(await page.textContent('main'), /subscribed/i);
  await shot('confirmed');

  // The digest of the hand-written day (tests/testdata/json/README.md), sent by the CLI through
  // the same relay.
  const sent = spawnSync(binary, ['digest', 'send', '--db', db, '--period', 'daily', '--as-of',
    '2024-10-25', '--smtp-url', `smtp://127.0.0.1:${smtp.port}`,
    '--mail-from', 'papers@paperboy.example', '--public-url', baseUrl, '-q'],
  { encoding: 'utf8' });
  assert.equal(sent.status, 0, sent.stderr);
  const all = await waitForMessages(2);
  const digest = all[1];
  assert.equal(header(digest, 'To'), 'reader@example.org');
  assert.equal(header(digest, 'List-Unsubscribe-Post'), 'List-Unsubscribe=One-Click');
  // The day's most upvoted paper is in it.
  assert.match(digest.text, /Tidewater: Paging the Key-Value Cache to Host Memory/);
  const paperLink = digest.links.find((l) => l.startsWith(`${baseUrl}/papers/`));
  assert.ok(paperLink, 'a paper link in the digest');
  const response = await page.goto(paperLink, { waitUntil: 'load' });
  assert.equal(response.status(), 200);

  // The unsubscribe link at the bottom of the digest: a page with a button.
  const unsubscribe = digest.links.find((l) => l.startsWith(`${baseUrl}/unsubscribe/`));
  assert.ok(unsubscribe, 'an unsubscribe link in the digest');
  await page.goto(unsubscribe, { waitUntil: 'load' });
  await shot('unsubscribe');
  await page.getByRole('button', { name: 'Unsubscribe', exact: true }).click();
  await page.waitForLoadState('load');
  assert.match(await page.textContent('main'), /unsubscribed/i);
  await shot('unsubscribed');
  const afterwards = spawnSync(binary, ['subscription', 'list', '--db', db, '--email', 'reader@example.org', '--json'],
    { encoding: 'utf8' });
  assert.match(afterwards.stdout, /"status":\s*"unsubscribed"/);
  assert.deepEqual(problems, []);
});
