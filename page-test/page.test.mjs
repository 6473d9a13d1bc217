// The page at / in Debian's headless Chromium against the running service (scripts/test-page.sh starts it
// with memcached, the CQL stand-in holding the demo features, and a refused risk/3).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

const base = process.env.PAGE_URL;
const artifacts = process.env.PAGE_ARTIFACTS ?? 'build/page-test';
if (!base) throw new Error('PAGE_URL must name the running service; run scripts/test-page.sh (make test-page)');

// The page scrapes the metrics every second here (default 5 s), so the charts fill within the test.
const PAGE = `${base}/?refresh=1`;
const LAPTOP = { width: 1366, height: 900 };
const PHONE = { width: 390, height: 844 };
const ENTITY_ROW = { user_id: 'u-3', amount: 950, merchant_category: 7, hour: 3 };

let browser;
let page;
const predictRequests = [];
const problems = [];

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  // Playwright gives every launch a fresh, empty --user-data-dir of its own and removes it afterwards.
  // Without the background-networking flags Chromium keeps trying to reach Google's hosts.
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: LAPTOP });
  page.on('request', (r) => { if (r.url().endsWith(':predict')) predictRequests.push(r.postData()); });
  // Chromium logs every 4xx answer as a console error; the error tests cause those on purpose.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
});

after(async () => {
  await browser?.close();
});

/** Writes a request into the editor as a user would (replacing what is there). */
async function writeRequest(text) {
  await page.locator('#request').fill(text);
}

async function run() {
  const before = predictRequests.length;
  await page.locator('#run').click();
  return before;
}

test('the page loads from the JAR, fills the pickers from the service and shows the status panel', async () => {
  const response = await page.goto(PAGE);
  assert.equal(response.status(), 200);
  assert.match(response.headers()['content-security-policy'], /default-src 'self'/);
  assert.equal(await page.title(), 'Inference appliance · tester and status');

  await page.locator('#model option[value="risk_heavy"]').waitFor({ state: 'attached' });
  assert.deepEqual(await page.locator('#model option').allTextContents(), ['risk', 'risk_heavy']);
  assert.equal(await page.locator('#model').inputValue(), 'risk');
  const targets = await page.locator('#target option').allTextContents();
  assert.deepEqual(targets, ['latest (v2)', 'stable → v1', 'canary → v2', 'v1 · stable', 'v2 · canary', 'v3 (refused)']);
  assert.equal(await page.locator('#target option[value="version:3"]').isDisabled(), true);

  // The prefilled example: entity id plus the fields the caller still sends, for the latest version.
  const example = JSON.parse(await page.locator('#request').inputValue());
  assert.deepEqual(example, { instances: [{ user_id: 'u-1', amount: 0, merchant_category: 0, hour: 0 }] });
  await page.locator('#model-info .signature').getByText('signature serving_default: features [-1, 6]').waitFor();

  // Status: models with their versions, the refused one with the reason; readiness checks.
  const risk = page.locator('#models [data-model="risk"]');
  await risk.waitFor();
  const rows = await risk.locator('tr').allInnerTexts();
  assert.equal(rows.length, 3, rows.join(' | '));
  assert.match(rows[0], /v1\s+AVAILABLE\s+stable/);
  assert.match(rows[1], /v2\s+AVAILABLE\s+canary/);
  assert.match(rows[2], /v3\s+REFUSED\s+.*manifest\.sig is not a valid signature/);
  assert.match(await page.locator('#models [data-model="risk_heavy"]').innerText(), /v1\s+AVAILABLE/);
  const checks = await page.locator('#checks li').allInnerTexts();
  for (const name of ['models', 'cache', 'feature-store']) {
    assert.ok(checks.some((c) => c.startsWith('UP') && c.includes(name)), `check ${name} UP in ${checks.join(' | ')}`);
  }
  await page.locator('#service.ok').getByText('ready').waitFor();
  await page.locator('#caches [data-cache="result"]').getByText('closed').waitFor();
});

test('a prediction by entity id shows the score, the version, the cache and every looked-up feature', async () => {
  await page.locator('#target').selectOption('label:stable');
  assert.equal(await page.locator('#endpoint').innerText(), 'POST /v1/models/risk/labels/stable:predict');
  await writeRequest(JSON.stringify({ instances: [ENTITY_ROW] }));
  const sent = await run();
  const outcome = page.locator('#result .outcome.ok');
  await outcome.waitFor();
  assert.equal(predictRequests.length, sent + 1);
  assert.match(await outcome.locator('.badges').innerText(), /answered by v1\s+cache miss\s+[\d.]+ ms\s+HTTP 200/);
  const score = Number(await outcome.locator('.score-value').innerText());
  assert.ok(score > 0.5 && score <= 1, `a risky transaction scored ${score}`);
  assert.equal(await outcome.locator('.score-name').innerText(), 'probability');
  const features = await outcome.locator('table.features tbody tr').allInnerTexts();
  assert.deepEqual(features.map((f) => f.split('\t').map((c) => c.trim())), [
    ['account_age_days', 'stored value', 'PRESENT', 'store'],
    ['recent_amount_mean', 'mean of last 20 amount', 'PRESENT', 'store'],
    ['recent_amount_zscore', 'z-score of amount vs last 20', 'PRESENT', 'store'],
  ]);

  // The same request again is answered from the result cache.
  await run();
  await page.locator('#result .badges').getByText('cache hit').waitFor();
  assert.match(await page.locator('#result .badges').innerText(), /answered by v1/);
});

test('raw features go to the canary and say that nothing was looked up', async () => {
  await page.locator('#target').selectOption('label:canary');
  await page.locator('[data-mode="raw"]').click();
  const example = JSON.parse(await page.locator('#request').inputValue());
  assert.deepEqual(Object.keys(example.instances[0]), ['amount', 'merchant_category', 'hour', 'account_age_days',
    'recent_amount_mean', 'recent_amount_zscore']);
  await run();
  await page.locator('#result .badges').getByText('answered by v2').waitFor();
  await page.locator('#result').getByText('Every feature came with the request; nothing was looked up.').waitFor();
});

test('an empty or malformed request is caught before it is sent', async () => {
  const sent = predictRequests.length;
  await writeRequest('');
  await run();
  const problem = page.locator('#request-problem');
  await problem.getByText('The request is empty.').waitFor();
  await writeRequest('{"instances": [{"amount": 5,}]}');
  await run();
  await problem.getByText('The request is not valid JSON').waitFor();
  await writeRequest('{"instances": []}');
  await run();
  await problem.getByText('"instances" must be a list with at least one row.').waitFor();
  assert.equal(predictRequests.length, sent, 'nothing reached the API');
});

test("an API error is shown with the API's own message and code", async () => {
  await page.locator('#target').selectOption('latest');
  await page.locator('[data-mode="entity"]').click();
  const body = JSON.stringify({ instances: [{ ...ENTITY_ROW, amount: 'lots' }] });
  await writeRequest(body);
  await run();
  const outcome = page.locator('#result .outcome.error');
  await outcome.waitFor();
  assert.equal(await page.locator('#request-problem').isHidden(), true);
  // Exactly what the API answers to the same request.
  const direct = await fetch(`${base}/v1/models/risk:predict`, { method: 'POST', body });
  const expected = await direct.json();
  assert.equal(direct.status, 400);
  assert.match(await outcome.locator('h3').innerText(), new RegExp(`^HTTP 400 · ${expected.code}$`));
  assert.equal(await outcome.locator('.message').innerText(), expected.error);

  // The canary declares no defaults: an entity without stored features is refused with 422.
  await page.locator('#target').selectOption('label:canary');
  await writeRequest(JSON.stringify({ instances: [{ ...ENTITY_ROW, user_id: 'nobody' }] }));
  await run();
  await outcome.locator('h3').getByText('HTTP 422 · feature_unavailable').waitFor();
  assert.match(await outcome.locator('.message').innerText(), /account_age_days/);
  await page.screenshot({ path: `${artifacts}/error.png`, fullPage: true });
});

test('the status panel charts request rate and p99 from successive metrics scrapes', async () => {
  // Bounded traffic to the service on loopback, spread over a few scrapes, while the page is watched.
  const traffic = (async () => {
    for (let i = 0; i < 40; i++) {
      const row = { user_id: `u-${(i % 5) + 1}`, amount: 20 + i, merchant_category: i % 10, hour: i % 24 };
      const r = await fetch(`${base}/v1/models/risk_heavy:predict`, { method: 'POST', body: JSON.stringify({ instances: [row] }) });
      assert.equal(r.status, 200, await r.text());
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  // The latest point of both charts has a value once a scrape interval held some of these requests.
  const shown = await page.waitForFunction(() => {
    const now = [...document.querySelectorAll('#traffic .metric-now')].map((e) => e.textContent);
    return now.length === 2 && now.every((t) => t !== '–') && now;
  }, null, { timeout: 20000 });
  const [rateNow, p99Now] = await shown.jsonValue();
  await traffic;
  assert.match(rateNow, /^[\d.]+\/s$/);
  assert.ok(parseFloat(rateNow) > 0, rateNow);
  assert.match(p99Now, /^[\d.]+ ms$/);
  const figures = page.locator('#traffic figure');
  assert.equal(await figures.count(), 2);
  assert.ok(await figures.nth(0).locator('polyline').count() >= 1, 'request rate is drawn');
  assert.ok(await figures.nth(1).locator('polyline').count() >= 1, 'p99 is drawn');
  // The result cache answered one of the earlier requests: its hit ratio is above zero.
  const ratio = await page.locator('#caches [data-cache="result"] td').nth(1).innerText();
  assert.match(ratio, /^\d+(\.\d)?%$/);
  assert.ok(parseFloat(ratio) > 0, `result cache hit ratio ${ratio}`);
});

test('laptop and phone screenshots show a prediction and the page fits both widths', async () => {
  await page.locator('#target').selectOption('label:stable');
  await writeRequest(JSON.stringify({ instances: [ENTITY_ROW] }, null, 2));
  await run();
  await page.locator('#result .outcome.ok').waitFor();
  await page.screenshot({ path: `${artifacts}/laptop.png`, fullPage: true });
  for (const size of [LAPTOP, PHONE]) {
    await page.setViewportSize(size);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${size.width}px wide: the page is ${overflow}px wider than the window`);
  }
  await page.screenshot({ path: `${artifacts}/phone.png`, fullPage: true });
  assert.deepEqual(problems, [], 'no script errors in the page');
});
