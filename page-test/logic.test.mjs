// The page's logic without a browser: example requests, the checks before sending, and the figures the
// status panel computes from Prometheus text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, example, predictPath, resolve } from '../app/service/src/main/resources/ui/request.js';
import { History, hitRatio, parse, quantile, rate, sample } from '../app/service/src/main/resources/ui/metrics.js';

const version = {
  version: 1,
  features: [{ name: 'amount', dtype: 'float32' }, { name: 'hour', dtype: 'int32' },
    { name: 'account_age_days', dtype: 'float32' }, { name: 'recent_mean', dtype: 'float32' }],
  entity: { key: 'user_id', features: [{ name: 'account_age_days', source: 'stored', default: 365 },
    { name: 'recent_mean', source: 'mean', of: 'amount', last: 20 }] },
};

test('examples send the entity id and the remaining fields, or every feature with its default', () => {
  assert.deepEqual(example(version, 'entity'), { instances: [{ user_id: 'u-1', amount: 0, hour: 0 }] });
  assert.deepEqual(example(version, 'raw'),
    { instances: [{ amount: 0, hour: 0, account_age_days: 365, recent_mean: 0 }] });
  assert.deepEqual(example({ ...version, entity: undefined }, 'entity'),
    { instances: [{ amount: 0, hour: 0, account_age_days: 0, recent_mean: 0 }] });
});

test('targets map to the TF Serving predict paths and to catalog versions', () => {
  const model = { name: 'risk', latest: 2, labels: { stable: 1 } };
  assert.equal(predictPath('risk', { kind: 'latest' }), '/v1/models/risk:predict');
  assert.equal(predictPath('risk', { kind: 'version', version: 1 }), '/v1/models/risk/versions/1:predict');
  assert.equal(predictPath('risk', { kind: 'label', label: 'stable' }), '/v1/models/risk/labels/stable:predict');
  assert.equal(resolve(model, { kind: 'latest' }), 2);
  assert.equal(resolve(model, { kind: 'label', label: 'stable' }), 1);
  assert.equal(resolve(model, { kind: 'label', label: 'gone' }), null);
});

for (const [text, problem] of [
  ['  ', /is empty/],
  ['{"instances": [', /not valid JSON/],
  ['[1, 2]', /must be a JSON object/],
  ['{"rows": []}', /needs "instances".*or "inputs"/],
  ['{"instances": {}}', /at least one row/],
  ['{"instances": [{"amount": 1}, {}]}', /Row 2 of "instances" is empty/],
  ['{"instances": [3]}', /Row 1 .* not an object or list/],
]) {
  test(`the request ${JSON.stringify(text)} is refused before sending`, () => {
    assert.match(check(text).problem, problem);
  });
}

test('a well-formed request is sent compact, values left to the API', () => {
  assert.deepEqual(check('{\n "instances": [{"amount": "lots"}]\n}'), { body: '{"instances":[{"amount":"lots"}]}' });
  assert.deepEqual(check('{"inputs": {"amount": [1]}}'), { body: '{"inputs":{"amount":[1]}}' });
});

/** Prometheus text as the service writes it: requests by route and a latency histogram. */
function scrape({ v1, ui, buckets, hits, misses, breaker }) {
  const lines = [
    '# TYPE inference_requests_total counter',
    `inference_requests_total{model="risk",route="v1",scope="application",status="200",version="2",} ${v1}`,
    `inference_requests_total{model="none",route="ui_catalog",scope="application",status="200",version="none",} ${ui}`,
    ...Object.entries(buckets).map(([le, n]) =>
      `inference_request_duration_seconds_bucket{model="risk",route="v1",le="${le}",} ${n}`),
    `inference_request_duration_seconds_bucket{model="none",route="ui_catalog",le="+Inf",} ${ui}`,
    `cache_hits_total{cache="result",scope="application",} ${hits}`,
    `cache_misses_total{cache="result",scope="application",} ${misses}`,
    `cache_breaker_state{cache="result",scope="application",} ${breaker}`,
  ];
  return lines.join('\n');
}

test('labels with escapes and trailing commas parse', () => {
  const series = parse('m{a="x\\"y",b="z",} 2.5\n# comment\nbare 1\n');
  assert.deepEqual(series.m, [{ labels: { a: 'x"y', b: 'z' }, value: 2.5 }]);
  assert.deepEqual(series.bare, [{ labels: {}, value: 1 }]);
});

test('rate and p99 come from the difference of two scrapes, without the page\'s own polling', () => {
  const first = sample(scrape({ v1: 100, ui: 50, buckets: { 0.001: 90, 0.01: 100, '+Inf': 100 },
    hits: 10, misses: 10, breaker: 0 }), 0);
  const second = sample(scrape({ v1: 300, ui: 90, buckets: { 0.001: 90, 0.01: 290, '+Inf': 300 },
    hits: 40, misses: 20, breaker: 2 }), 10_000);
  assert.equal(rate(first, second), 20);
  // 200 new requests: none under 1 ms, 190 up to 10 ms, 10 slower. Rank 198 falls beyond the 10 ms bucket.
  assert.equal(quantile(0.99, first, second), 0.01);
  // The median (rank 100) lies in the 1-10 ms bucket, interpolated.
  assert.ok(Math.abs(quantile(0.5, first, second) - (0.001 + 0.009 * (100 / 190))) < 1e-12);
  assert.equal(hitRatio('result', null, second), 40 / 60);
  assert.equal(hitRatio('result', first, second), 30 / 40);
  assert.equal(second.caches.result.breaker, 2);
});

test('no requests between scrapes is a gap, and a restarted service counts from zero', () => {
  const a = sample(scrape({ v1: 100, ui: 0, buckets: { 0.01: 100, '+Inf': 100 }, hits: 0, misses: 0, breaker: 0 }), 0);
  const b = sample(scrape({ v1: 100, ui: 0, buckets: { 0.01: 100, '+Inf': 100 }, hits: 0, misses: 0, breaker: 0 }), 5000);
  const restarted = sample(scrape({ v1: 10, ui: 0, buckets: { 0.01: 10, '+Inf': 10 }, hits: 0, misses: 0, breaker: 0 }), 10_000);
  assert.equal(quantile(0.99, a, b), null);
  assert.equal(rate(a, b), 0);
  assert.equal(rate(b, restarted), 2);
  assert.equal(hitRatio('result', a, b), null);
});

test('the history keeps one sample before the window and draws a point per pair', () => {
  const history = new History(10_000);
  for (let t = 0; t <= 30_000; t += 5000) history.add({ time: t, requests: t / 1000, buckets: new Map(), caches: {} });
  assert.deepEqual(history.samples.map((s) => s.time), [15_000, 20_000, 25_000, 30_000]);
  assert.deepEqual(history.points(rate).map((p) => p.value), [1, 1, 1]);
  assert.equal(history.overall(rate), 1);
});
