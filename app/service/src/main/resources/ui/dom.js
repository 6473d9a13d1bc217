// Small DOM helpers. Text always goes in as text nodes, never as HTML, so messages from the API or the
// request cannot inject markup.

/** An element with attributes (class, on<event> handlers, others as attributes) and children. */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value == null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : value);
  }
  el.append(...children.flat(Infinity).filter((c) => c != null && c !== false)
    .map((c) => (c instanceof Node ? c : String(c))));
  return el;
}

/** A coloured label: tone is ok, warn, bad, info or plain. */
export function badge(text, tone = 'plain', title) {
  return h('span', { class: `badge ${tone}`, title }, text);
}

/** Replaces an element's children. */
export function fill(el, ...children) {
  el.replaceChildren(...children.flat(Infinity).filter((c) => c != null && c !== false)
    .map((c) => (c instanceof Node ? c : String(c))));
}
