// The status panel for operators: readiness checks from /observe/health, models and versions from the
// catalog (refused ones with the reason), and cache, breaker and traffic figures computed here from
// successive /observe/metrics scrapes.
import { badge, fill, h } from './dom.js';
import { getJson, getText } from './api.js';
import { History, breakerState, hitRatio, quantile, rate, sample } from './metrics.js';
import { lineChart } from './charts.js';

const WINDOW_MS = 5 * 60 * 1000;
const TONE = { UP: 'ok', DOWN: 'bad', AVAILABLE: 'ok', REFUSED: 'bad' };
const BREAKER_TONE = { closed: 'ok', 'half-open': 'warn', open: 'bad' };

const percent = (r) => (r == null ? '–' : `${(r * 100).toFixed(r === 1 ? 0 : 1)}%`);
const millis = (seconds) => {
  if (seconds == null) return '–';
  const ms = seconds * 1000;
  return `${ms.toFixed(ms < 10 ? 2 : ms < 100 ? 1 : 0)} ms`;
};
const perSecond = (r) => (r == null ? '–' : `${r.toFixed(r < 10 ? 2 : 0)}/s`);

export class StatusPanel {
  /** root holds the panel's sections; pill is the header's service state; onCatalog gets every catalog. */
  constructor(root, pill, { everyMillis, onCatalog }) {
    const $ = (id) => root.querySelector(`#${id}`);
    this.el = {
      checks: $('checks'), models: $('models'), caches: $('caches'), traffic: $('traffic'), updated: $('updated'),
    };
    this.pill = pill;
    this.everyMillis = everyMillis;
    this.onCatalog = onCatalog;
    this.history = new History(WINDOW_MS);
  }

  start() {
    // The next scrape is planned even when this one failed, so the panel recovers with the service.
    const tick = () => this.refresh().finally(() => setTimeout(tick, this.everyMillis));
    tick();
  }

  async refresh() {
    const [health, metrics, catalog] = await Promise.allSettled([
      getJson('/observe/health'), getText('/observe/metrics'), getJson('/ui/catalog')]);
    if (catalog.status === 'fulfilled' && catalog.value.ok) {
      this.onCatalog(catalog.value.body);
      this.showModels(catalog.value.body);
    } else {
      fill(this.el.models, unreachable('/ui/catalog', catalog));
    }
    if (health.status === 'fulfilled') {
      this.showHealth(health.value.body);
    } else {
      fill(this.el.checks, unreachable('/observe/health', health));
      this.setPill('unreachable', 'bad');
    }
    if (metrics.status === 'fulfilled') {
      this.history.add(sample(metrics.value, Date.now()));
      this.showCaches();
      this.showTraffic();
    } else {
      fill(this.el.caches, unreachable('/observe/metrics', metrics));
      fill(this.el.traffic);
    }
    fill(this.el.updated, `updated ${new Date().toLocaleTimeString()}`);
  }

  setPill(text, tone) {
    this.pill.className = `pill ${tone}`;
    fill(this.pill, h('span', { class: 'dot' }), text);
  }

  showHealth(health) {
    const degraded = (health.checks ?? []).some((c) => Object.values(c.data ?? {})
      .some((v) => String(v).includes('degraded')));
    if (health.status === 'UP') this.setPill(degraded ? 'ready, degraded' : 'ready', degraded ? 'warn' : 'ok');
    else this.setPill('not ready', 'bad');
    fill(this.el.checks, h('ul', { class: 'checks' }, (health.checks ?? []).map((c) => h('li', {},
      badge(c.status, TONE[c.status] ?? 'plain'),
      h('div', {}, h('strong', {}, c.name),
        h('div', { class: 'muted small' }, Object.entries(c.data ?? {}).map(([k, v]) => h('div', {}, `${k}: ${v}`))))))));
  }

  showModels(catalog) {
    if (catalog.models.length === 0) {
      fill(this.el.models, h('p', { class: 'muted' }, 'No model is served.'));
      return;
    }
    fill(this.el.models, catalog.models.map((m) => h('div', { class: 'model', 'data-model': m.name },
      h('div', { class: 'model-head' }, h('strong', {}, m.name),
        h('span', { class: 'muted small' }, m.latest != null ? `latest v${m.latest}` : 'no version loaded')),
      m.versions.length === 0 ? h('p', { class: 'muted small' }, 'no version found yet') : null,
      h('table', { class: 'versions' }, h('tbody', {}, m.versions.map((v) => h('tr', {},
        h('td', { class: 'num' }, `v${v.version}`),
        h('td', {}, badge(v.state, TONE[v.state] ?? 'plain')),
        h('td', {}, v.state === 'REFUSED'
          ? h('span', { class: 'reason' }, v.reason)
          : Object.entries(m.labels).filter(([, n]) => n === v.version).map(([l]) => badge(l, 'label'))))))))));
  }

  showCaches() {
    const now = this.history.latest();
    const names = Object.keys(now.caches).sort();
    if (names.length === 0) {
      fill(this.el.caches, h('p', { class: 'muted small' }, 'No cache metrics: caching is off.'));
      return;
    }
    fill(this.el.caches, h('table', { class: 'caches' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Cache'), h('th', {}, 'Hit ratio'), h('th', {}, 'Last 5 min'),
        h('th', {}, 'Breaker'))),
      h('tbody', {}, names.map((name) => {
        const state = breakerState(now.caches[name].breaker);
        return h('tr', { 'data-cache': name },
          h('td', {}, name),
          h('td', {}, percent(hitRatio(name, null, now))),
          h('td', {}, percent(this.history.overall((a, b) => hitRatio(name, a, b)))),
          h('td', {}, badge(state, BREAKER_TONE[state] ?? 'plain')));
      }))));
  }

  showTraffic() {
    const now = Date.now();
    // Until the page has watched for the whole window, the charts span what it has seen.
    const first = this.history.samples[0]?.time ?? now;
    const span = Math.min(WINDOW_MS, Math.max(now - first, 10_000));
    const since = span < 60_000 ? `−${Math.round(span / 1000)} s` : `−${Math.round(span / 60_000)} min`;
    const chart = (title, points, summary, format) => {
      const { element, max } = lineChart(points, { now, windowMillis: span, label: title });
      const last = points.length ? points[points.length - 1].value : null;
      return h('figure', { class: 'metric' },
        h('figcaption', {}, h('span', {}, title), h('span', { class: 'metric-now' }, format(last))),
        element,
        h('div', { class: 'axis muted small' }, h('span', {}, since),
          h('span', {}, `peak ${format(max)} · ${summary}`), h('span', {}, 'now')));
    };
    const p99 = (a, b) => quantile(0.99, a, b);
    fill(this.el.traffic,
      chart('Requests per second', this.history.points(rate), `mean ${perSecond(this.history.overall(rate))}`,
        perSecond),
      chart('p99 latency', this.history.points(p99), `whole span ${millis(this.history.overall(p99))}`, millis),
      h('p', { class: 'muted small' }, this.history.samples.length >= 2
        ? 'API requests (without this page\'s own polling), one point per metrics scrape, over the last 5 minutes'
          + ' or since the page opened.'
        : 'Collecting: the charts start with the second metrics scrape.'));
  }
}

function unreachable(path, result) {
  const why = result.status === 'rejected' ? result.reason?.message ?? result.reason : `HTTP ${result.value.status}`;
  return h('p', { class: 'problem' }, `Cannot read ${path}: ${why}`);
}
