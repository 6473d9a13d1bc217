// A small line chart in SVG for the status panel: time on x over a fixed window ending now, value on y
// from 0 to the largest value seen. Gaps (null values: nothing to measure) break the line.

const SVG = 'http://www.w3.org/2000/svg';
const W = 300;
const H = 64;

function svg(tag, attrs) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

/**
 * The chart element for points [{time, value}] over windowMillis ending at now; label names it for
 * screen readers.
 */
export function lineChart(points, { now, windowMillis, label }) {
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', class: 'chart', role: 'img',
    'aria-label': label });
  for (const y of [0.25, 0.5, 0.75]) {
    chart.append(svg('line', { x1: 0, x2: W, y1: H * y, y2: H * y, class: 'grid' }));
  }
  const known = points.filter((p) => p.value != null);
  const max = Math.max(...known.map((p) => p.value), 0);
  const x = (t) => W * (1 - (now - t) / windowMillis);
  const y = (v) => (max > 0 ? H - 3 - (H - 6) * (v / max) : H - 3);
  const runs = [];
  let run = [];
  for (const p of points) {
    if (p.value == null) {
      if (run.length) runs.push(run);
      run = [];
    } else {
      run.push([x(p.time), y(p.value)]);
    }
  }
  if (run.length) runs.push(run);
  for (const r of runs) {
    const line = r.map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`).join(' ');
    if (r.length > 1) {
      chart.append(svg('polygon', {
        points: `${r[0][0].toFixed(1)},${H} ${line} ${r[r.length - 1][0].toFixed(1)},${H}`, class: 'area',
      }));
    }
    // A lone point is a zero-length line, which round caps draw as a dot.
    chart.append(svg('polyline', { points: r.length > 1 ? line : `${line} ${line}`, class: 'line',
      'vector-effect': 'non-scaling-stroke' }));
  }
  return { element: chart, max };
}
