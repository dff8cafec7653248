// app.js - the page: inputs -> llmcost_request() (WebAssembly) -> tables and charts. No formula lives here:
// every figure is a field of the library's JSON, as `llmcost COMMAND ... --format json` prints it.
import { loadEngine, LlmcostError } from './engine.js';
import { FIELDS, OTHER_KEYS, JOB_KEYS, GPU_KEYS, FINETUNE_KEYS, FLAG_KEYS, MECHANISM_KEYS, MOE_KEYS, MOE_FIELD_KEYS, DEFAULTS,
  argName, flagName } from './fields.js';
import * as fmt from './format.js';
import { makeCharts } from './charts.js';

const $ = (sel) => document.querySelector(sel);
const ALL_KEYS = [...OTHER_KEYS.slice(0, 2), ...FIELDS.map((f) => f.key), 'dollars'];

let engine;
let charts;
let state = {};
let planWorker;
let lastTokensPerStep = null; // the step's tokens: the planner's global batch when none is given

// ---- the URL fragment: the CLI's flag names as keys ----

function parseHash(hash) {
  const s = {};
  const unknown = [];
  const text = hash.replace(/^#/, '');
  if (!text) return { state: { ...DEFAULTS }, unknown };
  for (const part of text.split('&')) {
    if (!part) continue;
    const i = part.indexOf('=');
    const k = decodeURIComponent(i < 0 ? part : part.slice(0, i)).replace(/_/g, '-');
    const v = i < 0 ? 'true' : decodeURIComponent(part.slice(i + 1).replace(/\+/g, '%20'));
    if (ALL_KEYS.includes(k)) s[k] = v;
    else unknown.push(k);
  }
  return { state: s, unknown };
}

function toHash(s) {
  return ALL_KEYS.filter((k) => s[k] !== undefined && s[k] !== '')
    .map((k) => `${k}=${encodeURIComponent(s[k]).replace(/%2C/g, ',')}`)
    .join('&');
}

// ---- the form ----

function buildForm(gpus) {
  const groups = { gpu: '#gpu-fields', job: '#job-fields', finetune: '#finetune-fields', savers: '#savers-fields',
    layout: '#layout-fields', run: '#run-fields' };
  for (const f of FIELDS) {
    const div = document.createElement('div');
    div.className = 'field';
    div.dataset.key = f.key;
    const id = `f-${f.key}`;
    div.innerHTML = `<label for="${id}">${f.label}${f.unit ? ` <span class="unit">(${f.unit})</span>` : ''}</label>`;
    let input;
    if (f.kind === 'flag') {
      div.classList.add('flag');
      input = document.createElement('input');
      input.type = 'checkbox';
      input.value = 'true';
    } else if (f.kind === 'select') {
      input = document.createElement('select');
      const opts = f.key === 'gpu' ? gpus : f.options;
      for (const o of opts) {
        const opt = document.createElement('option');
        opt.value = o.value;
        opt.textContent = o.text;
        input.append(opt);
      }
    } else {
      input = document.createElement('input');
      input.type = 'text';
      input.spellcheck = false;
      if (f.placeholder) input.placeholder = f.placeholder;
      if (f.inputmode) input.inputMode = f.inputmode;
    }
    input.id = id;
    input.name = f.key;
    input.setAttribute('aria-describedby', `e-${f.key}`);
    div.append(input);
    const err = document.createElement('p');
    err.className = 'error';
    err.id = `e-${f.key}`;
    err.setAttribute('role', 'alert');
    div.append(err);
    $(groups[f.group]).append(div);
  }
}

function fillForm(s) {
  for (const k of ALL_KEYS) {
    const el = document.getElementById(`f-${k}`);
    if (!el) continue;
    const v = s[k] ?? '';
    if (el.type === 'checkbox') {
      el.checked = v === 'true';
      continue;
    }
    if (el.tagName === 'SELECT' && v && ![...el.options].some((o) => o.value === v)) {
      const opt = document.createElement('option'); // a GPU alias or a value typed in a link: kept, the library judges
      opt.value = v;
      opt.textContent = v;
      el.append(opt);
    }
    el.value = v;
  }
  $('#f-model').disabled = !!s.config;
}

function readForm() {
  const s = {};
  for (const k of ALL_KEYS) {
    const el = document.getElementById(`f-${k}`);
    if (el?.type === 'checkbox') {
      if (el.checked) s[k] = 'true';
    } else if (el && el.value.trim() !== '') s[k] = k === 'config' ? el.value : el.value.trim();
  }
  return s;
}

// ---- errors: the library's one line, next to the field it names ----

function clearErrors() {
  for (const e of document.querySelectorAll('.error')) e.textContent = '';
  for (const f of document.querySelectorAll('.field.invalid')) f.classList.remove('invalid');
}

function fieldOf(msg) {
  if (msg.startsWith('/pasted/config.json') || msg.startsWith('config')) return 'config';
  const m = msg.match(/^(?:--)?([a-z][a-z0-9_.-]*)/i);
  if (!m) return null;
  const k = flagName(m[1].replace(/^layout\./, ''));
  if (k === 'model' && state.config) return 'config';
  return document.getElementById(`e-${k}`) ? k : null;
}

function showError(msg, where) {
  const k = where || fieldOf(msg) || 'general';
  const el = document.getElementById(`e-${k}`) || $('#e-general');
  if (!el.textContent.split('\n').includes(msg)) el.textContent = el.textContent ? `${el.textContent}\n${msg}` : msg;
  const f = el.closest('.field');
  if (f) f.classList.add('invalid');
}

// ---- requests ----

function args(keys, extra = {}) {
  const a = {};
  a.model = state.config ? engine.writeConfig(state.config) : state.model || 'llama-7b';
  for (const k of keys) if (state[k] !== undefined && state[k] !== '') a[argName(k)] = state[k];
  return { ...a, ...extra };
}

function tryRequest(cmd, a, where) {
  try {
    return engine.request(cmd, a);
  } catch (e) {
    if (!(e instanceof LlmcostError)) throw e;
    showError(e.message, where);
    return null;
  }
}

// The CLI command that prints the same numbers, shown for people and for copying.
function cliCommand() {
  const words = ['llmcost', 'train', state.config ? 'config.json' : state.model || 'llama-7b'];
  for (const k of [...GPU_KEYS, ...JOB_KEYS, 'tokens']) {
    if (FLAG_KEYS.includes(k)) {
      if (state[k] === 'true') words.push(`--${k}`);
    } else if (k === 'sequence-parallel') { // on or off: --sequence-parallel or --no-sequence-parallel
      if (state[k] === 'true' || state[k] === 'false') words.push(`--${state[k] === 'true' ? '' : 'no-'}${k}`);
    } else if (state[k]) words.push(`--${k}`, state[k]);
  }
  words.push('--format', 'json');
  return words.join(' ');
}

// ---- figures and tables ----

function figure(testid, value, text) {
  const el = document.querySelector(`[data-testid="${testid}"]`);
  if (value === undefined || value === null) {
    el.removeAttribute('data-value');
    el.textContent = '\u2014';
    el.classList.add('none');
  } else {
    el.dataset.value = String(value);
    el.textContent = text;
    el.classList.remove('none');
  }
}

function table(id, head, rows) {
  const esc = (t) => String(t).replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]);
  const h = head.map((c, i) => `<th scope="col"${i ? ' class="num"' : ''}>${esc(c)}</th>`).join('');
  const b = rows
    .map((r) => `<tr>${r.map((c, i) => (i ? `<td class="num">${esc(c)}</td>` : `<th scope="row">${esc(c)}</th>`)).join('')}</tr>`)
    .join('');
  document.getElementById(id).innerHTML = `<table><thead><tr>${h}</tr></thead><tbody>${b}</tbody></table>`;
}

const PARAM_NAMES = {
  embedding: 'embedding', position_embedding: 'position embedding', attention: 'attention', mlp: 'dense MLP',
  routed_experts: 'routed experts', shared_experts: 'shared experts', router: 'router', norms: 'norms',
  lm_head: 'LM head', mtp: 'multi-token prediction',
};
const FLOP_NAMES = {
  q_proj: 'q projection', kv_proj: 'k/v projections', o_proj: 'o projection', attention_scores: 'attention scores QK\u1d40',
  attention_values: 'attention values PV', dense_mlp: 'dense MLP', routed_experts: 'routed experts',
  shared_experts: 'shared experts', router: 'router', lm_head: 'LM head', other: 'other',
};
const MEMORY_NAMES = {
  weights: 'weights', gradients: 'gradients', optimizer_states: 'optimizer states', activations: 'activations',
  embedding_head: 'embedding and head', loss: 'loss (logits)', weight_cache: 'weight cache', transient: 'transient',
  allocator: 'allocator', cuda_context: 'CUDA context',
};
const STEP_NAMES = {
  matmul: 'matrix products', attention: 'attention', memory_bound: 'memory-bound ops', launch_overhead: 'kernel launches',
  recompute: 'recomputation', optimizer: 'optimizer', tp_comm: 'TP communication', cp_comm: 'CP communication',
  ep_comm: 'EP communication', pp_comm: 'PP communication', dp_comm: 'DP communication', pipeline_bubble: 'pipeline bubble',
};
const nonzero = (obj, names) => Object.entries(obj).filter(([k, v]) => v !== 0 && names[k]).map(([k, v]) => [names[k], v, k]);

// The fine-tuning job's parameters (`llmcost params --finetune ...`, the library's finetune object): what trains
// (each adapted module's adapters, DoRA's magnitudes) and what stays frozen, and the bytes each takes as stored.
function renderFinetuneParams(fp) {
  const ft = fp?.finetune;
  figure('params-trainable', ft?.trainable_params, ft && fmt.count(ft.trainable_params));
  figure('params-frozen', ft?.frozen_params, ft && fmt.count(ft.frozen_params));
  $('#fig-trainable').hidden = !ft;
  $('#fig-frozen').hidden = !ft;
  $('#params-ft').hidden = !ft;
  $('#params-sub').textContent = ft ? '(the whole model; below, what the fine-tuning trains)' : '(the whole model)';
  if (!ft) return;
  const total = ft.trainable_params + ft.frozen_params;
  const st = ft.storage;
  $('#params-ft-sub').textContent = ft.method === 'full' ? '(full fine-tuning: every parameter trains)'
    : `(${ft.method === 'qlora' ? 'QLoRA' : 'LoRA'}${ft.lora_variant === 'dora' ? ' (DoRA)' : ''} rank ${ft.lora_rank}, alpha ${ft.lora_alpha}, on ${ft.lora_targets}${ft.quant !== 'none' ? `; base in ${ft.quant}${ft.double_quant ? ', double-quantised' : ''}` : ''})`;
  const rows = [];
  for (const a of Object.values(ft.adapters || {}))
    rows.push([`adapters on ${a.module} (${fmt.integer(a.matrices)} matrices)`, fmt.integer(a.params), '']);
  if (ft.magnitude_params) rows.push(['of which DoRA magnitudes', fmt.integer(ft.magnitude_params), '']);
  rows.push(['trainable', fmt.integer(ft.trainable_params), st ? fmt.bytes(st.adapter_bytes) : '']);
  rows.push(['frozen', fmt.integer(ft.frozen_params), st ? fmt.bytes(st.frozen_bytes) : '']);
  if (st && st.quantized_params) {
    rows.push([`frozen: quantised ${ft.quant} weights`, fmt.integer(st.quantized_params), fmt.bytes(st.quant_weight_bytes)]);
    rows.push(['frozen: their scales and codes', '', fmt.bytes(st.quant_scale_bytes)]);
    rows.push(['frozen: kept in 16 bits', fmt.integer(st.dense_params), fmt.bytes(st.dense_bytes)]);
  }
  rows.push(['trainable share', fmt.percent(ft.trainable_params / total, 4), '']);
  table('t-params-ft', ['part', 'parameters', 'bytes as stored'], rows);
}

function renderParams(p) {
  figure('params-total', p?.total, p && `${fmt.count(p.total)}`);
  figure('params-active', p?.active, p && `${fmt.count(p.active)}`);
  if (!p) return charts.clear('params');
  const rows = nonzero(p.components, PARAM_NAMES);
  table('t-params', ['component', 'parameters', 'share'], [
    ...rows.map(([n, v]) => [n, fmt.integer(v), fmt.percent(v / p.total, 2)]),
    ['total', fmt.integer(p.total), '100.00%'],
    ['active per token', fmt.integer(p.active), fmt.percent(p.active / p.total, 2)],
  ]);
  charts.params(rows.map(([n]) => n), rows.map(([, v]) => v));
}

function renderFlops(f) {
  if (!f) return charts.clear('flops');
  $('#flops-sub').textContent = `(one sequence of ${fmt.integer(f.seq)} tokens, ${f.attention}, recompute ${f.recompute_mode})`;
  const rows = nonzero(f.components, FLOP_NAMES).map(([n, v, k]) => [n, v, f.components_backward[k]]);
  table('t-flops', ['component', 'forward', 'backward'], [
    ...rows.map(([n, fw, bw]) => [n, fmt.flops(fw), fmt.flops(bw)]),
    ['forward + backward (model FLOPs)', fmt.flops(f.forward), fmt.flops(f.backward)],
    ['per token', fmt.flops(f.per_token), ''],
  ]);
  charts.flops(rows.map(([n]) => n), rows.map(([, fw]) => fw), rows.map(([, , bw]) => bw));
}

const SWEEP = [1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072];
function renderAttention() {
  const pts = [];
  for (const seq of SWEEP) {
    let f;
    try {
      f = engine.request('flops', args(['attention', 'recompute'], { seq: String(seq) }));
    } catch (e) {
      if (!(e instanceof LlmcostError)) throw e;
      continue; // a sequence this model cannot take is left out of the sweep, not guessed
    }
    const c = f.components, b = f.components_backward;
    const attn = c.attention_scores + c.attention_values + b.attention_scores + b.attention_values;
    pts.push({ seq, attn, total: f.model_flops, share: attn / f.model_flops });
  }
  table('t-attn', ['sequence', 'attention FLOPs', 'all FLOPs', 'attention share'],
    pts.map((p) => [fmt.integer(p.seq), fmt.flops(p.attn), fmt.flops(p.total), fmt.percent(p.share)]));
  charts.attention(pts.map((p) => (p.seq >= 1024 ? `${p.seq / 1024}K` : String(p.seq))), pts.map((p) => p.share * 100));
}

function renderMemory(m) {
  figure('memory-peak-bytes', m?.peak_bytes, m && fmt.bytes(m.peak_bytes));
  figure('memory-fits', m?.fits, m && (m.fits ? 'yes' : 'no'));
  // The CLI's --max-seq: the longest sequence that fits the GPU at this micro-batch (llmcost_job_max_seq).
  const longest = m?.max_seq;
  figure('memory-max-seq', longest, longest !== undefined && (longest === 0 ? 'none' : fmt.integer(longest)));
  const beyond = longest > 0 && m.max_positions > 0 && longest > m.max_positions;
  const ms = document.querySelector('[data-testid="memory-max-seq"]');
  ms.classList.toggle('beyond', beyond);
  ms.title = beyond ? `beyond the model\u2019s ${fmt.integer(m.max_positions)} positions: it was not trained that long` : '';
  document.querySelector('[data-testid="memory-fits"]').classList.toggle('bad', !!m && !m.fits);
  if (!m) return charts.clear('memory', 'timeline');
  const usable = m.capacity_bytes * (1 - m.headroom);
  $('#memory-sub').textContent = `(${m.gpu}, micro-batch ${m.micro_batch}, sequence ${fmt.integer(m.seq)})`;
  const comps = [...nonzero(m.components, MEMORY_NAMES), ['CUDA context', m.cuda_context_bytes, 'cuda_context']];
  const required = comps.reduce((a, [, v]) => a + v, 0);
  table('t-memory', ['at the peak (' + m.peak_phase + ')', 'bytes', 'GiB'], [
    ...comps.map(([n, v]) => [n, fmt.integer(v), fmt.sig(v / fmt.GiB, 4)]),
    ['peak (allocated)', fmt.integer(m.peak_bytes), fmt.sig(m.peak_bytes / fmt.GiB, 4)],
    ['reserved + CUDA context', fmt.integer(required), fmt.sig(required / fmt.GiB, 4)],
    [`capacity (${fmt.percent(m.headroom, 0)} kept free)`, fmt.integer(m.capacity_bytes), fmt.sig(m.capacity_bytes / fmt.GiB, 4)],
    ['fits', m.fits ? 'yes' : 'no', ''],
    ['largest micro-batch that fits', String(m.max_micro_batch), ''],
    ...(longest !== undefined ? [['longest sequence that fits', fmt.integer(longest), beyond ? `beyond the model\u2019s ${fmt.integer(m.max_positions)} positions` : '']] : []),
    ...(m.trainable_params !== undefined ? [['trainable parameters', fmt.integer(m.trainable_params), ''], ['frozen parameters', fmt.integer(m.frozen_params), '']] : []),
  ]);
  charts.memory(comps.map(([n]) => n), comps.map(([, v]) => v / fmt.GiB), m.capacity_bytes / fmt.GiB, usable / fmt.GiB, m.fits);
  const ph = [
    ['forward, at the loss', m.phases.forward_loss_bytes],
    ['backward, at the loss', m.phases.backward_loss_bytes],
    ['backward through the layers', m.phases.backward_layers_bytes],
    ['end of backward', m.phases.backward_end_bytes],
  ];
  table('t-timeline', ['phase', 'allocated', 'GiB'], ph.map(([n, v]) => [n, fmt.integer(v), fmt.sig(v / fmt.GiB, 4)]));
  charts.timeline(ph.map(([n]) => n), ph.map(([, v]) => v / fmt.GiB), m.capacity_bytes / fmt.GiB, usable / fmt.GiB);
}

function renderStep(s) {
  figure('step-seconds', s?.step_seconds, s && fmt.seconds(s.step_seconds));
  figure('step-mfu', s?.mfu, s && fmt.percent(s.mfu));
  figure('flops-per-step', s?.model_flops_per_step, s && fmt.flops(s.model_flops_per_step));
  lastTokensPerStep = s ? s.tokens_per_step : null;
  const fx = $('#fixes');
  fx.textContent = '';
  if (!s) return charts.clear('step');
  const L = s.layout;
  $('#step-sub').textContent = `(${s.gpu}, ${L.gpus} GPU${L.gpus > 1 ? 's' : ''}: tp ${L.tp} pp ${L.pp} dp ${L.dp} cp ${L.cp} ep ${L.ep}, ZeRO ${L.zero})`;
  const rows = nonzero(s.components, STEP_NAMES);
  table('t-step', ['part', 'seconds', 'share'], [
    ...rows.map(([n, v]) => [n, fmt.sig(v, 4), fmt.percent(v / s.step_seconds)]),
    ['step', fmt.sig(s.step_seconds, 4), ''],
    ['tokens per step', fmt.integer(s.tokens_per_step), ''],
    ['tokens/s per GPU', fmt.integer(s.tokens_per_second_per_gpu), ''],
    ['MFU', fmt.percent(s.mfu), ''],
    ['HFU', fmt.percent(s.hfu), ''],
  ]);
  charts.step(rows.map(([n]) => n), rows.map(([, v]) => v), s.mfu);
  if (!s.fits && s.fixes?.length) {
    fx.innerHTML = '<h3>It does not fit: one change that would</h3><div class="table" id="t-fixes"></div>';
    table('t-fixes', ['change', 'flags', 'memory needed'], s.fixes.map((f) => [f.change, f.flags, fmt.bytes(f.required_bytes)]));
  }
}

function renderRun(t) {
  figure('train-gpu-hours', t?.gpu_hours, t && `${fmt.integer(t.gpu_hours)} h`);
  figure('train-cost-dollars', t?.cost_usd, t && fmt.dollars(t.cost_usd));
  if (!t) {
    $('#t-run').textContent = '';
    return;
  }
  table('t-run', ['quantity', 'value'], [
    ['tokens', fmt.integer(t.tokens)],
    ['steps', fmt.integer(t.steps)],
    ['wall-clock', fmt.seconds(t.wall_seconds)],
    ['GPU-hours', fmt.integer(t.gpu_hours)],
    ['price per GPU-hour', fmt.dollars(t.price_usd_per_gpu_hour)],
    ['cost', fmt.dollars(t.cost_usd)],
    ['energy', `${fmt.integer(t.energy_kwh)} kWh`],
    ['CO\u2082', `${fmt.sig(t.co2_kg / 1000, 4)} t`],
    ['training FLOPs', fmt.flops(t.total_flops)],
    [`MFU${t.mfu_imposed ? ' (imposed)' : ''}`, fmt.percent(t.mfu)],
    ['goodput', fmt.percent(t.goodput, 2)],
  ]);
}

function renderAssumptions(doc) {
  const ul = $('#assumptions');
  ul.textContent = '';
  for (const a of doc?.assumptions || []) {
    const li = document.createElement('li');
    li.textContent = a;
    ul.append(li);
  }
}

// Loss against model size at this budget: each law's loss for N parameters trained on the tokens the budget's
// compute C buys at that size (D = C / 6N, the library's C = 6ND), from `llmcost budget --params N --tokens D`;
// the compute-optimal point of each law from `llmcost budget --dollars X`.
function renderBudget(train) {
  const dollars = state.dollars || (train ? String(train.cost_usd) : '');
  $('#f-budget-dollars').placeholder = train ? `this run's cost, ${fmt.dollars(train.cost_usd)}` : 'e.g. 5M';
  if (!dollars) return charts.clear('budget');
  const gpuArgs = {};
  for (const k of ['gpu', 'price', 'peak-tflops']) if (state[k]) gpuArgs[argName(k)] = state[k];
  let b;
  try {
    b = engine.request('budget', { dollars, ...gpuArgs });
  } catch (e) {
    if (!(e instanceof LlmcostError)) throw e;
    showError(e.message, state.dollars ? 'budget-dollars' : null);
    return charts.clear('budget');
  }
  $('#budget-sub').textContent = `(${fmt.dollars(b.budget_usd)} on ${b.gpu} at ${fmt.percent(b.mfu, 0)} MFU: ${fmt.flops(b.effective_flops)})`;
  const n0 = b.n_params;
  const grid = [];
  for (let k = -8; k <= 8; k++) grid.push(n0 * 10 ** (k / 4));
  const curves = {};
  for (const n of grid) {
    const d = b.effective_flops / (6 * n);
    let r;
    try {
      r = engine.request('budget', { params: String(n), tokens: String(d), ...gpuArgs });
    } catch (e) {
      if (!(e instanceof LlmcostError)) throw e;
      continue;
    }
    for (const l of r.laws) (curves[l.law] ||= []).push({ x: n, y: l.loss });
  }
  table('t-budget', ['law', 'optimal parameters', 'tokens', 'tokens per parameter', 'loss'],
    b.laws.map((l) => [l.law, fmt.count(l.n_params), fmt.count(l.n_tokens), fmt.sig(l.tokens_per_param), fmt.sig(l.loss, 4)]));
  charts.budget(curves, b.laws.map((l) => ({ law: l.law, x: l.n_params, y: l.loss })));
}

// ---- one pass: every section from the current state ----

function compute() {
  clearErrors();
  $('#cli-command').textContent = cliCommand();
  const p = tryRequest('params', args([]), state.config ? 'config' : 'model');
  if (p) $('#model-info').textContent = `${p.model}: ${fmt.count(p.total)} parameters`;
  renderParams(p);
  const modelOk = !!p;
  // The MoE fields (the token dispatcher, its capacity factor, etp, the EP overlap) for a model with routed experts,
  // as its parameter document counts them; one given stays shown, so that the library's refusal has its field.
  const moe = modelOk && p.components.routed_experts > 0;
  for (const k of MOE_FIELD_KEYS) document.querySelector(`.field[data-key="${k}"]`).hidden = !moe && !state[k];
  // A fine-tuning job: what trains and what stays frozen, as `llmcost params --finetune ...` counts them.
  const fine = modelOk && state.finetune && state.finetune !== 'none';
  renderFinetuneParams(fine ? tryRequest('params', args(FINETUNE_KEYS)) : null);
  renderFlops(modelOk ? tryRequest('flops', args(['seq', 'attention', 'recompute'])) : null);
  if (modelOk) renderAttention();
  else charts.clear('attn');
  const m = modelOk ? memoryWithMaxSeq() : null;
  renderMemory(m);
  const s = m ? tryRequest('step', args([...JOB_KEYS, ...GPU_KEYS])) : null;
  renderStep(s);
  // Without tokens the library's train refuses with its message, shown beside the tokens field.
  const t = s ? tryRequest('train', args([...JOB_KEYS, ...GPU_KEYS, 'tokens'])) : null;
  renderRun(t);
  renderAssumptions(t || s);
  renderBudget(t);
  document.body.dataset.state = 'ready';
  document.body.dataset.computed = toHash(state);
}

// `llmcost memory --max-seq`: the document with max_seq. Should the longest-sequence search alone be refused, the
// job's memory without it, and the refusal said.
function memoryWithMaxSeq() {
  const a = args([...JOB_KEYS, ...GPU_KEYS]);
  try {
    return engine.request('memory', { ...a, max_seq: true });
  } catch (e) {
    if (!(e instanceof LlmcostError)) throw e;
    const m = tryRequest('memory', a);
    showError(e.message);
    return m;
  }
}

function apply(s, { push = true } = {}) {
  state = s;
  fillForm(state);
  const h = toHash(state);
  if (push && location.hash.replace(/^#/, '') !== h) history.replaceState(null, '', `#${h}`);
  compute();
}

// ---- the planner, in a Web Worker built from the page's own scripts ----

function startPlan() {
  const status = $('#plan-status');
  $('#e-plan').textContent = '';
  if (!planWorker) {
    const src = [$('#llmcost-module').textContent, $('#llmcost-worker').textContent];
    planWorker = new Worker(URL.createObjectURL(new Blob(src, { type: 'text/javascript' })));
    planWorker.onmessage = (e) => {
      const { doc, error, seconds } = e.data;
      $('#plan-run').disabled = false;
      if (error) {
        status.textContent = '';
        $('#e-plan').textContent = error;
        return;
      }
      status.textContent = `${fmt.integer(doc.evaluated)} layouts evaluated, ${fmt.integer(doc.feasible)} fit (${fmt.sig(seconds)} s)`;
      const best = $('#plan-best');
      if (doc.layouts.length) {
        best.dataset.value = String(doc.layouts[0].step_seconds);
        best.textContent = `best: ${fmt.seconds(doc.layouts[0].step_seconds)} per step, ${doc.layouts[0].step_flags}`;
      } else {
        best.dataset.value = '';
        best.textContent = 'no layout fits';
      }
      table('t-plan', ['#', 'tp', 'pp', 'dp', 'cp', 'ep', 'ZeRO', 'micro-batch', 'recompute', 'step', 'MFU', 'peak memory'],
        doc.layouts.map((l, i) => [String(i + 1), l.tp, l.pp, l.dp, l.cp, l.ep, l.zero, l.micro_batch, l.recompute,
          fmt.seconds(l.step_seconds), fmt.percent(l.mfu), fmt.bytes(l.peak_bytes)]));
      document.querySelector('#t-plan table')?.setAttribute('data-testid', 'plan-table');
    };
  }
  // The job's fixed settings as the planner takes them: the GPU and its power cap, the recipe, the fine-tuning and
  // the savers (every layout sized and timed with them, as the CLI's plan does); the CP implementation and the
  // per-layer checkpointing likewise (a layout with cp > 1 uses that implementation, one with full recomputation
  // checkpoints every N-th layer); the memory mechanisms and the MoE token dispatch as well.
  const a = args(['gpu', 'price', 'power-cap', 'seq', 'precision', 'optimizer', 'attention', 'framework',
    ...FINETUNE_KEYS, 'chunked-loss', 'compile', 'optimizer-in-backward', 'activation-offload', 'cp-comm',
    'recompute-every', ...MECHANISM_KEYS, ...MOE_KEYS, 'ddp-bucket-size'], { threads: '1', top: '10' });
  a.gpus = state.gpus || '8';
  a.global_batch = state['global-batch'] || (lastTokensPerStep ? String(lastTokensPerStep) : '4M');
  if (state.tokens) a.tokens = state.tokens;
  $('#plan-run').disabled = true;
  $('#plan-best').removeAttribute('data-value');
  status.textContent = `searching the layouts of ${a.gpus} GPUs\u2026`;
  planWorker.postMessage({ args: a });
}
// ---- set-up ----

async function main() {
  try {
    engine = await loadEngine();
  } catch (e) {
    $('#e-general').textContent = `The WebAssembly module did not start: ${e.message}`;
    document.body.dataset.state = 'failed';
    return;
  }
  const gpus = engine.request('gpus', {}).gpus.map((g) => ({ value: g.name, text: `${g.name} \u2014 ${g.full_name}${g.price_usd_per_hour ? `, $${g.price_usd_per_hour}/h` : ''}` }));
  buildForm(gpus);
  const presets = $('#presets');
  for (const m of engine.request('models', {}).models) {
    const o = document.createElement('option');
    o.value = m.name;
    o.textContent = `${m.family}, ${fmt.count(m.total)}${m.active !== m.total ? ` (${fmt.count(m.active)} active)` : ''}`;
    presets.append(o);
  }
  charts = makeCharts();

  const onInput = debounce(() => {
    const s = readForm();
    apply(s);
  }, 250);
  $('#setup').addEventListener('input', onInput);
  $('#setup').addEventListener('change', onInput);
  $('#f-budget-dollars').addEventListener('input', onInput);
  $('#setup').addEventListener('submit', (e) => e.preventDefault());
  $('#clear-config').addEventListener('click', () => {
    $('#f-config').value = '';
    apply(readForm());
  });
  const cfg = $('#f-config');
  cfg.addEventListener('dragover', (e) => e.preventDefault());
  cfg.addEventListener('drop', async (e) => {
    e.preventDefault();
    const file = e.dataTransfer.files[0];
    if (file) {
      cfg.value = await file.text();
      apply(readForm());
    }
  });
  window.addEventListener('hashchange', () => {
    const { state: s, unknown } = parseHash(location.hash);
    apply(s);
    for (const k of unknown) showError(`${k}: not a setting of this page (the link's keys are the CLI's flags)`, 'general');
  });
  $('#copy-link').addEventListener('click', async () => {
    const btn = $('#copy-link');
    try {
      await navigator.clipboard.writeText(location.href);
      btn.textContent = 'Link copied';
    } catch (e) {
      window.prompt('Copy this link:', location.href);
    }
    setTimeout(() => (btn.textContent = 'Copy link'), 2000);
  });
  setupTheme();
  $('#plan-run').addEventListener('click', startPlan);

  const { state: s, unknown } = parseHash(location.hash);
  apply(s);
  for (const k of unknown) showError(`${k}: not a setting of this page (the link's keys are the CLI's flags)`, 'general');
}

function debounce(fn, ms) {
  let t;
  return () => {
    clearTimeout(t);
    t = setTimeout(fn, ms);
  };
}

function setupTheme() {
  const btn = $('#theme');
  const modes = ['system', 'light', 'dark'];
  let mode = 'system';
  try {
    mode = localStorage.getItem('llmcost-theme') || 'system';
  } catch (e) {
    /* storage unavailable (file:// in some browsers): the system theme */
  }
  const set = (m) => {
    mode = m;
    if (m === 'system') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = m;
    btn.textContent = `Theme: ${m}`;
    try {
      localStorage.setItem('llmcost-theme', m);
    } catch (e) {
      /* not kept */
    }
    charts.restyle();
  };
  btn.addEventListener('click', () => set(modes[(modes.indexOf(mode) + 1) % modes.length]));
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => charts.restyle());
  set(mode);
}

main();
