// What the tester sends: the predict path of a model and target, an example request built from a
// version's manifest, and the checks a request passes before it is sent. No DOM here, so the browser
// test's unit part can import it in Node.

/** The example entity id: the first entity of the demo feature set; any id makes a valid request. */
export const EXAMPLE_ENTITY_ID = 'u-1';

/**
 * A target is what the version picker chose: {kind: 'latest'}, {kind: 'version', version: 2} or
 * {kind: 'label', label: 'stable'}. Returns the TF Serving REST predict path for it.
 */
export function predictPath(model, target) {
  const base = `/v1/models/${encodeURIComponent(model)}`;
  switch (target.kind) {
    case 'version': return `${base}/versions/${target.version}:predict`;
    case 'label': return `${base}/labels/${encodeURIComponent(target.label)}:predict`;
    default: return `${base}:predict`;
  }
}

/** The version number a target resolves to in a catalog model, or null when it resolves to nothing. */
export function resolve(model, target) {
  switch (target.kind) {
    case 'version': return target.version;
    case 'label': return model.labels[target.label] ?? null;
    default: return model.latest;
  }
}

/** Features of a version the service looks up for its entity, by name. */
export function lookedUp(version) {
  return new Map((version.entity?.features ?? []).map((f) => [f.name, f]));
}

/**
 * An example request for a loaded catalog version, in the row format of TF Serving's REST API.
 * mode 'entity': the entity id plus the features the caller still sends; 'raw': every feature, the
 * looked-up ones at their declared default (or 0).
 */
export function example(version, mode) {
  const looked = lookedUp(version);
  const row = {};
  if (mode === 'entity' && version.entity) {
    row[version.entity.key] = EXAMPLE_ENTITY_ID;
    for (const f of version.features) {
      if (!looked.has(f.name)) row[f.name] = 0;
    }
  } else {
    for (const f of version.features) row[f.name] = looked.get(f.name)?.default ?? 0;
  }
  return { instances: [row] };
}

/** Pretty JSON as the editor shows it: one row per line, so long requests stay readable. */
export function format(request) {
  if (!Array.isArray(request.instances)) return JSON.stringify(request, null, 2);
  const line = (row) => (Array.isArray(row)
    ? `[${row.map((v) => JSON.stringify(v)).join(', ')}]`
    : `{${Object.entries(row).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(', ')}}`);
  return `{\n  "instances": [\n${request.instances.map((row) => `    ${line(row)}`).join(',\n')}\n  ]\n}`;
}

/**
 * Checks a request before it is sent. Returns {body} (compact JSON to send) or {problem} (what to fix).
 * Only the shape is checked here; the API judges the values and says so in its own words.
 */
export function check(text) {
  if (text.trim() === '') {
    return { problem: 'The request is empty. Write a JSON object such as {"instances": [ ... ]}, or press Reset example.' };
  }
  let request;
  try {
    request = JSON.parse(text);
  } catch (e) {
    return { problem: `The request is not valid JSON: ${e.message}` };
  }
  if (request === null || typeof request !== 'object' || Array.isArray(request)) {
    return { problem: 'The request must be a JSON object, such as {"instances": [ ... ]}.' };
  }
  if (!('instances' in request) && !('inputs' in request)) {
    return { problem: 'The request needs "instances" (a list of rows) or "inputs" (columns).' };
  }
  if ('instances' in request) {
    if (!Array.isArray(request.instances) || request.instances.length === 0) {
      return { problem: '"instances" must be a list with at least one row.' };
    }
    const bad = request.instances.findIndex((row) => row === null || typeof row !== 'object'
      || Object.keys(row).length === 0);
    if (bad >= 0) {
      return { problem: `Row ${bad + 1} of "instances" is empty or not an object or list.` };
    }
  }
  return { body: JSON.stringify(request) };
}
