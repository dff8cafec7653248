// format.js - numbers for people (the raw value stays in each figure's data-value).

const SI = [
  [1e15, 'P'],
  [1e12, 'T'],
  [1e9, 'B'],
  [1e6, 'M'],
  [1e3, 'K'],
];

export function sig(x, digits = 3) {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  const d = Math.max(0, digits - 1 - Math.floor(Math.log10(a)));
  return x.toLocaleString('en-US', { maximumFractionDigits: Math.min(d, 6), minimumFractionDigits: 0 });
}

export function count(x) {
  for (const [v, s] of SI) if (Math.abs(x) >= v) return `${sig(x / v)} ${s}`;
  return sig(x);
}

export const integer = (x) => Math.round(x).toLocaleString('en-US');

export function flops(x) {
  const units = [
    [1e24, 'YFLOP'],
    [1e21, 'ZFLOP'],
    [1e18, 'EFLOP'],
    [1e15, 'PFLOP'],
    [1e12, 'TFLOP'],
    [1e9, 'GFLOP'],
    [1e6, 'MFLOP'],
  ];
  for (const [v, s] of units) if (Math.abs(x) >= v) return `${sig(x / v, 4)} ${s}`;
  return `${sig(x)} FLOP`;
}

export const GiB = 1024 ** 3;
export const bytes = (x) => (Math.abs(x) >= 2 ** 40 ? `${sig(x / 2 ** 40, 4)} TiB` : `${sig(x / GiB, 4)} GiB`);

export function seconds(x) {
  if (x < 1e-3) return `${sig(x * 1e6)} \u00b5s`;
  if (x < 1) return `${sig(x * 1e3)} ms`;
  if (x < 120) return `${sig(x, 4)} s`;
  if (x < 7200) return `${sig(x / 60)} min`;
  if (x < 2 * 86400) return `${sig(x / 3600)} h`;
  return `${sig(x / 86400)} days`;
}

export const dollars = (x) => (Math.abs(x) >= 1e6 ? `$${sig(x / 1e6, 4)}M` : `$${sig(x, 4)}`);
export const percent = (x, d = 1) => `${(x * 100).toFixed(d)}%`;
