// The tester: model and version pickers from the catalog, the request editor with its example, and the
// answer (prediction, version, cache, features, latency) or the API's error.
import { badge, fill, h } from './dom.js';
import { getJson, predict } from './api.js';
import { check, example, format, lookedUp, predictPath, resolve } from './request.js';

const STATUS_TONE = { PRESENT: 'ok', STALE: 'warn', MISSING: 'warn', UNAVAILABLE: 'bad' };

/** How a looked-up feature is made, in words. */
function describe(f) {
  switch (f.source) {
    case 'stored': return 'stored value';
    case 'mean': return `mean of last ${f.last} ${f.of}`;
    case 'zscore': return `z-score of ${f.of} vs last ${f.last}`;
    case 'count': return `events in last ${f.window}`;
    default: return f.source;
  }
}

function parseTarget(value) {
  const [kind, rest] = value.split(':', 2);
  if (kind === 'version') return { kind, version: Number(rest) };
  if (kind === 'label') return { kind, label: rest };
  return { kind: 'latest' };
}

/** Shell-quotes a string in single quotes. */
const quote = (s) => `'${s.replaceAll("'", "'\\''")}'`;

export class Tester {
  constructor(root) {
    const $ = (id) => root.querySelector(`#${id}`);
    this.el = {
      model: $('model'), target: $('target'), info: $('model-info'), hint: $('mode-hint'),
      endpoint: $('endpoint'), editor: $('request'), problem: $('request-problem'), run: $('run'),
      result: $('result'), curl: $('curl'), reset: $('reset'),
      modes: [...root.querySelectorAll('[data-mode]')],
    };
    this.catalog = null;
    // The form the user chose last; a version without an entity section can only take raw features.
    this.preferred = 'entity';
    this.mode = 'entity';
    this.generated = '';
    this.signatures = new Map();
    this.el.model.addEventListener('change', () => this.modelChanged());
    this.el.target.addEventListener('change', () => this.targetChanged());
    this.el.modes.forEach((b) => b.addEventListener('click', () => {
      this.preferred = b.dataset.mode;
      this.setMode(b.dataset.mode, true);
    }));
    this.el.reset.addEventListener('click', () => this.writeExample());
    this.el.run.addEventListener('click', () => this.run());
    this.el.editor.addEventListener('input', () => this.edited());
    this.el.editor.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        this.run();
      }
    });
  }

  /** Takes a new catalog; rebuilds the pickers only when what they offer changed, keeping the choice. */
  setCatalog(catalog) {
    const before = this.catalog;
    this.catalog = catalog;
    const names = catalog.models.map((m) => m.name);
    if (!before || JSON.stringify(before.models.map((m) => m.name)) !== JSON.stringify(names)) {
      const chosen = this.el.model.value;
      fill(this.el.model, catalog.models.map((m) => h('option', { value: m.name }, m.name)));
      this.el.model.disabled = names.length === 0;
      if (names.length === 0) {
        fill(this.el.info, 'The service serves no model yet.');
        return;
      }
      const first = catalog.models.find((m) => m.latest != null) ?? catalog.models[0];
      this.el.model.value = names.includes(chosen) ? chosen : first.name;
      this.modelChanged();
      return;
    }
    const name = this.el.model.value;
    const was = JSON.stringify(before.models.find((m) => m.name === name));
    if (was !== JSON.stringify(this.model())) this.modelChanged();
  }

  model() {
    return this.catalog.models.find((m) => m.name === this.el.model.value);
  }

  target() {
    return parseTarget(this.el.target.value);
  }

  /** The catalog version the chosen target resolves to, when it is loaded. */
  version() {
    const model = this.model();
    const number = resolve(model, this.target());
    return model.versions.find((v) => v.version === number && v.state === 'AVAILABLE') ?? null;
  }

  modelChanged() {
    const model = this.model();
    const chosen = this.el.target.value;
    const versionLabels = (n) => Object.entries(model.labels).filter(([, v]) => v === n).map(([l]) => l);
    const options = [h('option', { value: 'latest' },
      model.latest != null ? `latest (v${model.latest})` : 'latest (none loaded)')];
    // By version, so the picker reads old to new like the version list.
    const labels = Object.entries(model.labels).sort(([a, x], [b, y]) => x - y || a.localeCompare(b));
    if (labels.length) {
      options.push(h('optgroup', { label: 'Labels' }, labels.map(([label, n]) => h('option',
        { value: `label:${label}` }, `${label} → v${n}`))));
    }
    options.push(h('optgroup', { label: 'Versions' }, model.versions.map((v) => h('option',
      { value: `version:${v.version}`, disabled: v.state !== 'AVAILABLE' },
      `v${v.version}${v.state === 'AVAILABLE' ? '' : ' (refused)'}${versionLabels(v.version).length
        ? ` · ${versionLabels(v.version).join(', ')}` : ''}`))));
    fill(this.el.target, options);
    this.el.target.disabled = false;
    const values = [...this.el.target.querySelectorAll('option:not([disabled])')].map((o) => o.value);
    this.el.target.value = values.includes(chosen) ? chosen : 'latest';
    this.targetChanged();
  }

  targetChanged() {
    const model = this.model();
    const target = this.target();
    const version = this.version();
    const path = predictPath(model.name, target);
    fill(this.el.endpoint, h('span', { class: 'method' }, 'POST'), ' ', path);
    if (!version) {
      const number = resolve(model, target);
      fill(this.el.info, badge('not loaded', 'bad'), ' ', number == null
        ? `model ${model.name} has no loaded version; the API will say why.`
        : `${target.label ? `label ${target.label} points at ` : ''}version ${number}, which is not loaded.`);
    } else {
      fill(this.el.info, h('span', {}, version.description ?? ''), h('span', { class: 'signature' }));
      this.showSignature(model.name, version);
    }
    const hasEntity = Boolean(version?.entity);
    this.el.modes.find((b) => b.dataset.mode === 'entity').disabled = !hasEntity;
    // Keep what the user wrote; replace only our own example (or nothing).
    const untouched = this.el.editor.value === this.generated || this.el.editor.value.trim() === '';
    this.setMode(hasEntity ? this.preferred : 'raw', untouched);
  }

  async showSignature(model, version) {
    const key = `${model}/${version.version}`;
    if (!this.signatures.has(key)) {
      try {
        const { ok, body } = await getJson(`/v1/models/${encodeURIComponent(model)}/versions/${version.version}/metadata`);
        if (!ok) return;
        const [name, sig] = Object.entries(body.metadata.signature_def.signature_def)[0];
        const shape = (t) => `${t.name} [${t.tensor_shape.dim.map((d) => d.size).join(', ')}]`;
        const inputs = Object.values(sig.inputs).map(shape).join(', ');
        const outputs = Object.values(sig.outputs).map(shape).join(', ');
        this.signatures.set(key, { text: `signature ${name}: ${inputs} → ${outputs}`,
          output: Object.values(sig.outputs)[0].name });
      } catch {
        return; // The signature line is extra; the tester works without it.
      }
    }
    const span = this.el.info.querySelector('.signature');
    if (span && this.version()?.version === version.version) fill(span, this.signatures.get(key).text);
  }

  setMode(mode, rewrite) {
    this.mode = mode;
    this.el.modes.forEach((b) => b.setAttribute('aria-checked', String(b.dataset.mode === mode)));
    const version = this.version();
    if (version) {
      const looked = [...lookedUp(version).keys()];
      const sent = version.features.map((f) => f.name).filter((n) => !looked.includes(n));
      fill(this.el.hint, mode === 'entity'
        ? `You send ${[version.entity.key, ...sent].join(', ')}; the service looks up ${looked.join(', ')}.`
        : `You send all ${version.features.length} features; nothing is looked up.`);
    } else {
      fill(this.el.hint);
    }
    if (rewrite) this.writeExample();
  }

  writeExample() {
    const version = this.version();
    if (!version) return;
    this.generated = format(example(version, this.mode));
    this.el.editor.value = this.generated;
    this.el.problem.hidden = true;
    this.edited();
  }

  /** Fits the editor to its lines (within bounds) and updates the curl line. */
  edited() {
    const lines = this.el.editor.value.split('\n').length;
    this.el.editor.rows = Math.min(Math.max(lines + 1, 6), 20);
    this.showCurl();
  }

  showCurl() {
    const text = this.el.editor.value;
    let body = text;
    try {
      body = JSON.stringify(JSON.parse(text));
    } catch {
      // Shown as typed; the run button says what is wrong with it.
    }
    const url = `${location.origin}${predictPath(this.model().name, this.target())}`;
    fill(this.el.curl, `curl -s ${url} \\\n  -H 'Content-Type: application/json' \\\n  -d ${quote(body)}`);
  }

  async run() {
    if (!this.catalog || this.el.run.disabled) return;
    const { body, problem } = check(this.el.editor.value);
    if (problem) {
      fill(this.el.problem, problem);
      this.el.problem.hidden = false;
      fill(this.el.result);
      this.el.editor.focus();
      return;
    }
    this.el.problem.hidden = true;
    const model = this.model();
    const path = predictPath(model.name, this.target());
    const version = this.version();
    this.el.run.disabled = true;
    fill(this.el.result, h('div', { class: 'outcome pending' }, h('span', { class: 'spinner' }), `Running ${path} …`));
    try {
      const answer = await predict(path, body);
      fill(this.el.result, answer.ok ? this.answer(answer, model, version) : failure(answer, path));
    } catch (e) {
      fill(this.el.result, h('div', { class: 'outcome error' }, h('h3', {}, 'The service did not answer'),
        h('p', { class: 'message' }, String(e.message ?? e)), h('p', { class: 'muted small' }, `POST ${path}`)));
    } finally {
      this.el.run.disabled = false;
    }
  }

  answer(answer, model, requested) {
    const rows = answer.json?.predictions ?? answer.json?.outputs ?? [];
    const statuses = answer.json?.feature_status ?? [];
    const answered = model.versions.find((v) => String(v.version) === answer.version) ?? requested;
    const looked = answered ? lookedUp(answered) : new Map();
    const output = this.signatures.get(`${model.name}/${answer.version}`)?.output ?? 'output';
    const cacheTone = { hit: 'ok', miss: 'info', bypass: 'plain' }[answer.cache] ?? 'plain';
    const list = Array.isArray(rows) ? rows : [];
    return h('div', { class: 'outcome ok' },
      h('div', { class: 'outcome-head' }, h('h3', {}, 'Prediction'),
        h('div', { class: 'badges' },
          badge(`answered by v${answer.version ?? '?'}`, 'info', 'X-Model-Version'),
          badge(`cache ${answer.cache ?? 'n/a'}`, cacheTone, 'X-Cache'),
          badge(`${answer.millis.toFixed(1)} ms`, 'plain', 'round trip measured by the page'),
          badge(`HTTP ${answer.status}`, 'ok'))),
      list.map((row, i) => h('div', { class: 'row-result' },
        list.length > 1 ? h('div', { class: 'row-title' }, `Row ${i + 1}`) : null,
        h('div', { class: 'scores' }, (Array.isArray(row) ? row : [row]).map((value, j, all) => score(
          all.length > 1 ? `${output}[${j}]` : output, value))),
        statuses[i] ? features(statuses[i], looked) : null)),
      statuses.length === 0
        ? h('p', { class: 'muted small' }, 'Every feature came with the request; nothing was looked up.') : null,
      h('details', { class: 'raw' }, h('summary', {}, 'Response'),
        h('pre', {}, `X-Model-Version: ${answer.version}\nX-Cache: ${answer.cache}\n\n${JSON.stringify(answer.json, null, 2)}`)));
  }
}

function score(name, value) {
  const bounded = typeof value === 'number' && value >= 0 && value <= 1;
  const level = h('span');
  // Through the CSS object model: the page's content security policy refuses style attributes.
  level.style.width = `${(value * 100).toFixed(1)}%`;
  return h('div', { class: 'score' },
    h('div', { class: 'score-name' }, name),
    h('div', { class: 'score-value' }, typeof value === 'number' ? value.toFixed(4) : JSON.stringify(value)),
    bounded ? h('div', { class: 'bar' }, level) : null);
}

function features(status, looked) {
  return h('table', { class: 'features' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Looked-up feature'), h('th', {}, 'Source'), h('th', {}, 'Status'),
      h('th', {}, 'From'))),
    h('tbody', {}, Object.entries(status).map(([name, s]) => {
      const f = looked.get(name);
      return h('tr', {},
        h('td', {}, h('code', {}, name)),
        h('td', { class: 'muted' }, f ? describe(f) : ''),
        h('td', {}, badge(s.status, STATUS_TONE[s.status] ?? 'plain')),
        h('td', { class: 'muted' }, s.default ? `default${f?.default != null ? ` ${f.default}` : ''}` : 'store'));
    })));
}

function failure(answer, path) {
  const message = answer.json?.error ?? (answer.text.trim() ? answer.text.trim().slice(0, 2000) : '(empty body)');
  return h('div', { class: 'outcome error', role: 'alert' },
    h('div', { class: 'outcome-head' },
      h('h3', {}, `HTTP ${answer.status}${answer.json?.code ? ` · ${answer.json.code}` : ''}`),
      h('div', { class: 'badges' }, badge(`${answer.millis.toFixed(1)} ms`, 'plain'))),
    h('p', { class: 'message' }, message),
    h('p', { class: 'muted small' }, `The API's answer to POST ${path}`));
}
