// Reads the service's Prometheus text (/observe/metrics) and turns successive scrapes into what the
// status panel draws: request rate, p99 latency, cache hit ratios and breaker states. No DOM here, so the
// browser test's unit part can import it in Node.

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses Prometheus text into {name: [{labels, value}]}; comments and malformed lines are skipped. */
export function parse(text) {
  const series = {};
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    const labels = {};
    for (const [, key, value] of (m[2] ?? '').matchAll(LABEL)) {
      labels[key] = value.replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
    }
    const value = Number(m[3]);
    if (Number.isNaN(value)) continue;
    (series[m[1]] ??= []).push({ labels, value });
  }
  return series;
}

// The page's own polling of /ui/catalog is not traffic anybody asked the service for.
const counted = (labels) => !(labels.route ?? '').startsWith('ui_');

/**
 * One scrape reduced to what the panel needs: the API request total, the request latency histogram
 * (cumulative count per bucket bound, summed over routes, models, versions and statuses), and per cache
 * its hits, misses and breaker state.
 */
export function sample(text, time) {
  const series = parse(text);
  const requests = (series.inference_requests_total ?? []).filter((s) => counted(s.labels))
    .reduce((sum, s) => sum + s.value, 0);
  const buckets = new Map();
  for (const s of series.inference_request_duration_seconds_bucket ?? []) {
    if (!counted(s.labels)) continue;
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    buckets.set(le, (buckets.get(le) ?? 0) + s.value);
  }
  const caches = {};
  const cache = (name) => (caches[name] ??= { hits: 0, misses: 0, breaker: null });
  for (const s of series.cache_hits_total ?? []) cache(s.labels.cache).hits += s.value;
  for (const s of series.cache_misses_total ?? []) cache(s.labels.cache).misses += s.value;
  for (const s of series.cache_breaker_state ?? []) cache(s.labels.cache).breaker = s.value;
  return { time, requests, buckets, caches };
}

// A counter that went down was reset (the service restarted): count from zero.
const delta = (now, before) => (now >= before ? now - before : now);

/** Requests per second between two samples. */
export function rate(before, now) {
  const seconds = (now.time - before.time) / 1000;
  return seconds > 0 ? delta(now.requests, before.requests) / seconds : null;
}

/**
 * A latency quantile in seconds of the requests answered between two samples, interpolated within the
 * histogram bucket as Prometheus' histogram_quantile does; null when no request was answered.
 */
export function quantile(q, before, now) {
  const bounds = [...now.buckets.keys()].sort((a, b) => a - b);
  const counts = bounds.map((le) => delta(now.buckets.get(le), before.buckets.get(le) ?? 0));
  const total = counts[counts.length - 1] ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  const i = counts.findIndex((c) => c >= rank);
  const upper = bounds[i];
  const lower = i > 0 ? bounds[i - 1] : 0;
  if (upper === Infinity) return lower;
  const below = i > 0 ? counts[i - 1] : 0;
  const inBucket = counts[i] - below;
  return inBucket > 0 ? lower + ((upper - lower) * (rank - below)) / inBucket : upper;
}

/** Hit ratio of a cache between two samples (or since start with before = null); null without lookups. */
export function hitRatio(name, before, now) {
  const n = now.caches[name];
  if (!n) return null;
  const b = before?.caches[name] ?? { hits: 0, misses: 0 };
  const hits = delta(n.hits, b.hits);
  const lookups = hits + delta(n.misses, b.misses);
  return lookups > 0 ? hits / lookups : null;
}

/** The breaker state gauge's meaning. */
export function breakerState(value) {
  return ['closed', 'half-open', 'open'][value] ?? 'unknown';
}

/**
 * Scrapes kept for a time window; the charts draw one point per pair of successive scrapes.
 */
export class History {
  constructor(windowMillis) {
    this.windowMillis = windowMillis;
    this.samples = [];
  }

  add(s) {
    this.samples.push(s);
    while (this.samples.length > 2 && s.time - this.samples[1].time > this.windowMillis) this.samples.shift();
  }

  /** Points {time, value} of f(before, now) over successive samples. */
  points(f) {
    const out = [];
    for (let i = 1; i < this.samples.length; i++) {
      out.push({ time: this.samples[i].time, value: f(this.samples[i - 1], this.samples[i]) });
    }
    return out;
  }

  /** f over the whole window: the first and the last sample; null before two samples. */
  overall(f) {
    const n = this.samples.length;
    return n < 2 ? null : f(this.samples[0], this.samples[n - 1]);
  }

  latest() {
    return this.samples[this.samples.length - 1] ?? null;
  }
}
