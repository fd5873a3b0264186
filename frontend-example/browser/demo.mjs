// The browser test of frontend-example: what a newcomer does, in a fresh
// Chromium profile each time.
//
//   node frontend-example/browser/demo.mjs <baseURL> <artifactsDir>
//
// 1. Open the demo client page, click "Sign in", log in as john/john,
//    allow, and land back on the page showing the tokens, the ID token's
//    claims and the answer of /api/time.
// 2. In a new profile, sign in as jane/jane (with prompt=consent, so that
//    the consent page shows even if she consented before) and deny: the
//    page shows access_denied.
//
// A screenshot of every step goes to <artifactsDir>. The browser is
// Debian's chromium (CHROMIUM, else `command -v chromium`); playwright-core
// only drives it. Exits non-zero on the first failed expectation, after a
// screenshot of the page as it was.

import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [base, artifacts] = process.argv.slice(2);
if (!base || !artifacts) {
  console.error('usage: node demo.mjs <baseURL> <artifactsDir>');
  process.exit(2);
}
mkdirSync(artifacts, { recursive: true });

const executablePath =
  process.env.CHROMIUM || execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});

// expect fails the run with a message.
function expect(ok, message) {
  if (!ok) throw new Error(message);
}

// newPage opens a fresh profile (context) that fails the run on any page
// error or console error — a script blocked by the Content-Security-Policy
// shows up there.
async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1000, height: 1300 } });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (err) => problems.push('page error: ' + err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push('console error: ' + msg.text() + ' at ' + msg.location().url);
  });
  return { context, page, problems };
}

async function shot(page, name) {
  const path = join(artifacts, name + '.png');
  await page.screenshot({ path, fullPage: true });
  console.log('screenshot', path);
}

// signIn goes from the demo page through the login page, with prompt
// ('' for none), and reports whether the consent page came next: a frontend
// that has seen this user consent before skips it.
async function signIn(page, username, password, prompt = '') {
  await page.goto(base + '/');
  if (prompt) await page.locator('#prompt').selectOption(prompt);
  await page.locator('#login').click();
  await page.waitForURL(/\/login\?/);
  await shot(page, username + '-1-login');
  await page.locator('input[name=username]').fill(username);
  await page.locator('input[name=password]').fill(password);
  await page.locator('#login-form button[type=submit]').first().click();
  await page.waitForURL((url) => url.pathname === '/consent' || url.pathname === '/');
  if (new URL(page.url()).pathname !== '/consent') return false;
  await shot(page, username + '-2-consent');
  return true;
}

async function approveAsJohn() {
  const { context, page, problems } = await newPage();
  try {
    if (await signIn(page, 'john', 'john')) {
      expect((await page.locator('#client-name').innerText()).includes('Demo Single-Page App'), 'the consent page does not name the client');
      await page.locator('button[name=decision][value=approve]').click();
    } else {
      console.log('john consented before: no consent page');
    }

    // Back on the demo page, signed in.
    await page.waitForURL((url) => url.pathname === '/' && url.search === '');
    const claims = page.locator('#claims');
    await claims.filter({ hasText: '"sub": "john"' }).waitFor();
    await page.locator('#api-time').filter({ hasText: '"time"' }).waitFor();
    await shot(page, 'john-3-signed-in');

    expect(await page.locator('#signed-in').isVisible(), 'the signed-in section is not visible');
    expect((await page.locator('#welcome').innerText()).includes('John Smith'), 'no welcome for John Smith');
    expect((await page.locator('#access-token').innerText()).length >= 32, 'no access token shown');
    expect((await page.locator('#refresh-token').innerText()).length >= 32, 'no refresh token shown');
    const claimText = await claims.innerText();
    for (const want of ['"email": "john@example.com"', '"name": "John Smith"', '"iss": "' + base + '"']) {
      expect(claimText.includes(want), 'the ID token claims lack ' + want + ':\n' + claimText);
    }
    const time = JSON.parse(await page.locator('#api-time').innerText());
    expect(Math.abs(Date.parse(time.time) - Date.now()) < 60_000, '/api/time answered ' + JSON.stringify(time));
    expect((await page.locator('#api-me').innerText()).includes('"subject": "john"'), '/api/me does not name john');
    expect((await page.locator('#userinfo').innerText()).includes('"email": "john@example.com"'), 'userinfo lacks the email');
    expect(await page.locator('#error').isHidden(), 'an error is shown: ' + (await page.locator('#error').innerText()));
    expect(problems.length === 0, problems.join('\n'));
    console.log('john signed in: tokens, claims and /api/time shown');
  } catch (err) {
    await shot(page, 'john-failure').catch(() => {});
    throw err;
  } finally {
    await context.close();
  }
}

async function denyAsJane() {
  const { context, page, problems } = await newPage();
  try {
    // prompt=consent: the consent page, even if jane consented before.
    expect(await signIn(page, 'jane', 'jane', 'consent'), 'no consent page for prompt=consent');
    await page.locator('button[name=decision][value=deny]').click();
    await page.waitForURL((url) => url.pathname === '/' && url.search === '');
    const error = page.locator('#error');
    await error.filter({ hasText: 'access_denied' }).waitFor();
    await shot(page, 'jane-3-denied');
    expect(await error.isVisible(), 'the error is not visible');
    expect(await page.locator('#signed-in').isHidden(), 'the page shows a signed-in state after a denial');
    expect(problems.length === 0, problems.join('\n'));
    console.log('jane denied: access_denied shown');
  } catch (err) {
    await shot(page, 'jane-failure').catch(() => {});
    throw err;
  } finally {
    await context.close();
  }
}

try {
  await approveAsJohn();
  await denyAsJane();
} catch (err) {
  console.error('FAIL:', err.message);
  process.exitCode = 1;
} finally {
  await browser.close();
}
