// charts.js - the page's charts, drawn by Chart.js (npm chart.js, bundled): the figures are the library's, the
// colours follow the theme (CSS custom properties), animation is off so a chart is complete when drawn.
import {
  Chart, BarController, LineController, ScatterController, DoughnutController, BarElement, LineElement, PointElement,
  ArcElement, CategoryScale, LinearScale, LogarithmicScale, Legend, Title, Tooltip,
} from 'chart.js';
import { count } from './format.js';

Chart.register(BarController, LineController, ScatterController, DoughnutController, BarElement, LineElement,
  PointElement, ArcElement, CategoryScale, LinearScale, LogarithmicScale, Legend, Title, Tooltip);

// Horizontal reference lines (the GPU's capacity and its usable part) across a chart, drawn through Chart.js's
// plugin hooks at the y scale's pixel for each value.
const refLines = {
  id: 'refLines',
  afterDatasetsDraw(chart, _args, opts) {
    const y = chart.scales.y;
    if (!opts.lines || !y) return;
    const { ctx, chartArea: a } = chart;
    for (const l of opts.lines) {
      const py = y.getPixelForValue(l.value);
      if (py < a.top - 1 || py > a.bottom + 1) continue;
      ctx.save();
      ctx.strokeStyle = l.color;
      ctx.lineWidth = 2;
      ctx.setLineDash(l.dash || []);
      ctx.beginPath();
      ctx.moveTo(a.left, py);
      ctx.lineTo(a.right, py);
      ctx.stroke();
      ctx.fillStyle = l.color;
      ctx.font = '12px system-ui, sans-serif';
      ctx.textAlign = 'right';
      ctx.fillText(l.label, a.right - 4, py - 4);
      ctx.restore();
    }
  },
};
Chart.register(refLines);

const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
const palette = () => [1, 2, 3, 4, 5, 6, 7, 8].map((i) => css(`--c${i}`));

export function makeCharts() {
  const made = {};
  const last = {};

  function themed() {
    Chart.defaults.color = css('--fg-muted');
    Chart.defaults.borderColor = css('--grid');
    Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
    Chart.defaults.animation = false;
    Chart.defaults.maintainAspectRatio = false;
  }

  function draw(name, build) {
    last[name] = build;
    themed();
    const cfg = build(palette());
    const canvas = document.getElementById(`chart-${name}`);
    canvas.closest('.chart').classList.remove('empty');
    if (made[name]) made[name].destroy();
    made[name] = new Chart(canvas, cfg);
  }

  const gib = (v) => `${Number(v).toLocaleString('en-US', { maximumFractionDigits: 1 })} GiB`;

  return {
    clear(...names) {
      for (const n of names) {
        made[n]?.destroy();
        delete made[n];
        delete last[n];
        document.getElementById(`chart-${n}`)?.closest('.chart').classList.add('empty');
      }
    },
    restyle() {
      for (const [n, b] of Object.entries(last)) draw(n, b);
    },
    params(labels, values) {
      draw('params', (c) => ({
        type: 'doughnut',
        data: { labels, datasets: [{ data: values, backgroundColor: c, borderColor: css('--bg') }] },
        options: { plugins: { legend: { position: 'right' }, title: { display: true, text: 'parameters' } } },
      }));
    },
    flops(labels, fwd, bwd) {
      draw('flops', (c) => ({
        type: 'bar',
        data: { labels, datasets: [{ label: 'forward', data: fwd, backgroundColor: c[0] }, { label: 'backward', data: bwd, backgroundColor: c[1] }] },
        options: { indexAxis: 'y', scales: { x: { stacked: true, title: { display: true, text: 'FLOPs per sequence' }, ticks: { callback: (v) => count(v) } }, y: { stacked: true } } },
      }));
    },
    attention(labels, sharePct) {
      draw('attn', (c) => ({
        type: 'line',
        data: { labels, datasets: [{ label: 'attention (QK\u1d40 and PV) share of the FLOPs, %', data: sharePct, borderColor: c[2], backgroundColor: c[2] }] },
        options: { scales: { x: { title: { display: true, text: 'sequence length (tokens)' } }, y: { min: 0, title: { display: true, text: '% of model FLOPs' } } } },
      }));
    },
    memory(labels, gibs, capacity, usable, fits) {
      draw('memory', (c) => ({
        type: 'bar',
        data: { labels: ['per GPU'], datasets: labels.map((l, i) => ({ label: l, data: [gibs[i]], backgroundColor: c[i % c.length] })) },
        options: {
          scales: { x: { stacked: true }, y: { stacked: true, min: 0, suggestedMax: capacity * 1.08, title: { display: true, text: 'GiB' } } },
          plugins: {
            title: { display: true, text: fits ? 'fits' : 'does not fit', color: fits ? css('--ok') : css('--bad') },
            tooltip: { callbacks: { label: (x) => `${x.dataset.label}: ${gib(x.raw)}` } },
            refLines: { lines: [
              { value: capacity, label: `capacity ${gib(capacity)}`, color: css('--bad') },
              { value: usable, label: `usable ${gib(usable)}`, color: css('--fg-muted'), dash: [6, 4] },
            ] },
          },
        },
      }));
    },
    timeline(labels, gibs, capacity, usable) {
      draw('timeline', (c) => ({
        type: 'line',
        data: { labels, datasets: [{ label: 'allocated, GiB', data: gibs, borderColor: c[0], backgroundColor: c[0] }] },
        options: {
          scales: { y: { min: 0, suggestedMax: capacity * 1.08, title: { display: true, text: 'GiB' } } },
          plugins: { refLines: { lines: [
            { value: capacity, label: `capacity ${gib(capacity)}`, color: css('--bad') },
            { value: usable, label: 'usable', color: css('--fg-muted'), dash: [6, 4] },
          ] } },
        },
      }));
    },
    step(labels, secs, mfu) {
      draw('step', (c) => ({
        type: 'bar',
        data: { labels, datasets: [{ label: 'seconds per step', data: secs, backgroundColor: labels.map((_, i) => c[i % c.length]) }] },
        options: {
          indexAxis: 'y',
          scales: { x: { title: { display: true, text: 'seconds' } } },
          plugins: { legend: { display: false }, title: { display: true, text: `MFU ${(mfu * 100).toFixed(1)}%` } },
        },
      }));
    },
    budget(curves, optima) {
      draw('budget', (c) => {
        const laws = Object.keys(curves);
        const color = (law) => c[laws.indexOf(law) % c.length];
        return {
          type: 'line',
          data: {
            datasets: [
              ...laws.map((law) => ({ label: law, data: curves[law], borderColor: color(law), backgroundColor: color(law), pointRadius: 0 })),
              { type: 'scatter', label: 'compute-optimal', data: optima.map((o) => ({ x: o.x, y: o.y })),
                backgroundColor: optima.map((o) => color(o.law)), borderColor: css('--fg'), pointRadius: 6, pointStyle: 'rectRot' },
            ],
          },
          options: {
            parsing: false,
            scales: { x: { type: 'logarithmic', title: { display: true, text: 'parameters N (tokens D = C / 6N)' },
              ticks: { autoSkip: false, maxRotation: 0, callback: (v) => (Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9 ? count(v) : '') } }, y: { title: { display: true, text: 'predicted loss' } } },
          },
        };
      });
    },
  };
}
