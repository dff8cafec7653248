// web/test/e2e.mjs - the web calculator end to end in headless Chromium (Debian's /usr/bin/chromium driven by
// playwright-core; no browser is downloaded). Every headline figure the page shows is compared with the CLI's
// JSON for the same flags (build/llmcost, run from here): the page and the CLI are the same C code, so the
// numbers must be equal, not close. Also: a changed field changes the numbers and the link, a pasted config,
// errors shown as the library's message beside their field, each chart drawn (not blank), the planner in its
// worker, no request leaving the page, phone width, labels on every field.
// Usage: node web/test/e2e.mjs BUILD_DIR        (make test-web)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const build = resolve(process.argv[2] || join(root, 'build'));
const cliBin = join(build, 'llmcost');
const pageUrl = pathToFileURL(join(build, 'web', 'index.html')).href;
const shots = join(build, 'web', 'screenshots');
mkdirSync(shots, { recursive: true });

let failures = 0;
let checks = 0;
function check(ok, what) {
  checks++;
  if (!ok) {
    failures++;
    console.log(`FAIL ${what}`);
  }
}

// The CLI's document for a fragment's setup: its keys are the CLI's flags, the model positional; a flag's value
// "true" is the flag alone (--compile).
const FLAGS = ['double-quant', 'compile', 'optimizer-in-backward', 'activation-offload', 'bf16-grads',
  'foreach-optimizer', 'ep-overlap', 'tp-overlap', 'moe-shared-expert-overlap'];
function cliArgs(fragment, keep) {
  const words = [];
  let model = 'llama-7b';
  for (const part of fragment.split('&')) {
    const [k, v] = part.split('=').map(decodeURIComponent);
    if (k === 'model') model = v;
    else if (keep.includes(k) && FLAGS.includes(k)) {
      if (v === 'true') words.push(`--${k}`);
    } else if (keep.includes(k) && k === 'sequence-parallel') words.push(v === 'false' ? '--no-sequence-parallel' : `--${k}`);
    else if (keep.includes(k)) words.push(`--${k}`, v);
  }
  return [model, ...words];
}
const JOB = ['seq', 'micro-batch', 'global-batch', 'grad-accum', 'precision', 'optimizer', 'recompute', 'attention',
  'framework', 'finetune', 'lora-rank', 'lora-alpha', 'lora-targets', 'lora-variant', 'quant', 'lora-dropout',
  'adapter-dtype', 'double-quant', 'quant-group', 'chunked-loss', 'compile', 'optimizer-in-backward',
  'activation-offload', 'gpus', 'tp', 'pp', 'vpp', 'dp', 'cp', 'ep', 'zero', 'gpu', 'price', 'peak-tflops',
  'memory-gb', 'memory-bw', 'power-cap', 'cp-comm', 'recompute-every',
  // the job flags of 'llmcost step --help' the page gained in h-faces: the memory mechanisms, the MoE token
  // dispatch, the overlaps and sequence parallelism, the GPU's interconnect and board power
  'act-cache', 'recompute-modules', 'pipeline', 'ema', 'bf16-grads', 'foreach-optimizer', 'headroom',
  'cuda-context-gb', 'etp', 'moe-dispatcher', 'moe-capacity-factor', 'ep-overlap', 'sequence-parallel', 'tp-overlap',
  'tdp', 'scaleup-bw', 'scaleup-size', 'scaleout-bw', 'price-list', 'ddp-bucket-size', 'moe-shared-expert-overlap'];
function cli(command, args) {
  return JSON.parse(execFileSync(cliBin, [command, ...args, '--format', 'json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
}
function cliError(command, args) {
  const r = spawnSync(cliBin, [command, ...args], { encoding: 'utf8' });
  return r.stderr.trim();
}

// The fine-tuning flags `llmcost params` takes (what trains and what stays frozen).
const FINETUNE = ['finetune', 'lora-rank', 'lora-alpha', 'lora-targets', 'lora-variant', 'quant', 'lora-dropout',
  'adapter-dtype', 'double-quant', 'quant-group'];

// What each headline figure must equal in the CLI's documents.
function expected(fragment) {
  const [model, ...job] = cliArgs(fragment, JOB);
  const [, ...run] = cliArgs(fragment, [...JOB, 'tokens']);
  const [, ...ft] = cliArgs(fragment, FINETUNE);
  const p = cli('params', [model]);
  // A fine-tuning job: `llmcost params --finetune ...` run here, in this test, for the trainable and frozen counts
  // (none shown without one).
  const tuned = ft.includes('--finetune') && ft[ft.indexOf('--finetune') + 1] !== 'none';
  const pf = tuned ? cli('params', [model, ...ft]).finetune : undefined;
  const m = cli('memory', [model, ...job]);
  // --max-seq: computed by the CLI here, in this run, never written into the test.
  const ms = cli('memory', [model, ...job, '--max-seq']);
  const s = cli('step', [model, ...job]);
  const t = cli('train', [model, ...run]);
  return {
    'params-total': p.total,
    'params-active': p.active,
    'params-trainable': pf?.trainable_params,
    'params-frozen': pf?.frozen_params,
    'flops-per-step': s.model_flops_per_step,
    'memory-peak-bytes': m.peak_bytes,
    'memory-fits': m.fits,
    'memory-max-seq': ms.max_seq,
    'step-seconds': s.step_seconds,
    'step-mfu': s.mfu,
    'train-gpu-hours': t.gpu_hours,
    'train-cost-dollars': t.cost_usd,
    // the train document's step is the step document's
    'train.step_seconds': t.step.step_seconds,
    // --max-seq adds keys, it changes none
    'max-seq.peak_bytes': ms.peak_bytes,
  };
}

const FIGURES = ['params-total', 'params-active', 'params-trainable', 'params-frozen', 'flops-per-step', 'memory-peak-bytes', 'memory-fits', 'memory-max-seq',
  'step-seconds', 'step-mfu', 'train-gpu-hours', 'train-cost-dollars'];

async function figures(page) {
  const out = {};
  for (const id of FIGURES) out[id] = await page.getAttribute(`[data-testid="${id}"]`, 'data-value');
  return out;
}

function compare(got, want, label) {
  for (const id of FIGURES) {
    const w = want[id];
    const g = got[id];
    const same = w === undefined ? g === null : typeof w === 'boolean' ? g === String(w) : g !== null && Number(g) === w;
    check(same, `${label}: ${id} page ${g} vs CLI ${w}`);
  }
  check(want['train.step_seconds'] === want['step-seconds'], `${label}: train's step equals step's`);
  check(want['max-seq.peak_bytes'] === want['memory-peak-bytes'], `${label}: memory --max-seq's peak is memory's`);
}

// The page is ready when it has computed the setup its URL holds.
async function settled(page) {
  await page.waitForFunction(() => document.body.dataset.state === 'ready' &&
    document.body.dataset.computed === location.hash.replace(/^#/, ''), null, { timeout: 30000 });
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, serviceWorkers: 'block', colorScheme: 'light' });
const leaks = [];
const pageErrors = [];
context.on('request', (r) => {
  if (!/^(file|data|blob):/.test(r.url())) leaks.push(r.url());
});
async function open(fragment) {
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));
  await page.goto(fragment === null ? pageUrl : `${pageUrl}#${fragment}`);
  await settled(page);
  return page;
}

// 1. Links for several setups: each figure equals the CLI's for the same flags.
const SETUPS = [
  'model=llama-7b&gpu=a100&tokens=1T', // what a bare link opens (checked below)
  'model=llama-3-8b&gpu=h100&seq=4096&micro-batch=1&recompute=full&gpus=8&zero=3&tokens=15T',
  'model=mixtral-8x7b&gpu=h200&gpus=64&tp=2&ep=8&zero=1&precision=bf16-master&global-batch=4M&tokens=2T&price=3.5',
  'model=llama-2-70b&gpu=a100-40gb&gpus=64&tp=8&pp=4&vpp=2&framework=megatron&attention=flash&micro-batch=2&tokens=2T',
  'model=gpt2&gpu=t4&seq=1024&micro-batch=8&precision=fp16&optimizer=adamw-8bit&tokens=9B',
  'model=deepseek-v3&gpu=h800&gpus=2048&tp=1&pp=16&ep=64&zero=1&precision=fp8&recompute=selective&global-batch=15360x4096&tokens=14.8T',
  'model=llama-3.1-405b&gpu=h100&gpus=8&tokens=1T&peak-tflops=900&memory-gb=96&memory-bw=4000',
  // fine-tuning: QLoRA on a 24 GB card, the adapters' training given (issue 19)
  'model=llama-3-8b&gpu=rtx-4090&seq=1024&finetune=qlora&lora-rank=16&lora-targets=all-linear&lora-dropout=0.05&adapter-dtype=bf16&tokens=1B',
  // the fine-tuning panel and the memory savers: QLoRA with double quantisation, a paged 8-bit optimizer, the loss
  // in chunks, torch.compile, activations offloaded; DoRA on an int4 base with the optimizer in backward (one micro-batch a step)
  'model=llama-3.1-8b&gpu=l40s&seq=4096&finetune=qlora&lora-rank=32&lora-alpha=64&lora-targets=q_proj,k_proj,v_proj,o_proj&double-quant=true&optimizer=paged-adamw-8bit&chunked-loss=8&compile=true&activation-offload=true&tokens=500M',
  'model=llama-3.2-3b&gpu=rtx-4090&seq=2048&grad-accum=1&finetune=qlora&lora-variant=dora&quant=int4&quant-group=64&optimizer-in-backward=true&tokens=100M',
  'model=llama-3-8b&gpu=a100-40gb&finetune=full&optimizer=adamw-8bit&recompute=full&gpus=8&zero=3&tokens=1B',
  // a power cap (issue 16): every figure that depends on the clock is the CLI's --power-cap
  'model=llama-3.1-8b&gpu=h100&gpus=8&framework=megatron&power-cap=500&tokens=1T',
  // FlashAttention-4 on Blackwell, and a power cap on a GPU timed at its sustained matmul rate (h-blackwell)
  'model=llama-3-8b&gpu=b200&seq=8192&gpus=8&attention=flash4&power-cap=800&tokens=1T',
  // the CP implementation and per-layer checkpointing (h16k): Llama 3's all-gathered keys and values, torchtitan's
  // every-second-layer checkpointing
  'model=llama-3-8b&gpu=h100&seq=16384&gpus=16&tp=2&cp=2&cp-comm=allgather&framework=megatron&tokens=1T',
  'model=llama-3-8b&gpu=a100&seq=8192&gpus=64&zero=3&recompute=full&recompute-every=2&tokens=1T',
  // the MoE token dispatch (h-faces): Megatron-Core's flex dispatcher on DeepEP behind DualPipe-style overlap, a
  // capacity factor with the alltoall; DeepSeek-V3's memory mechanisms; TP without sequence parallelism, overlapped;
  // the GPU's interconnect and board power
  'model=deepseek-v2-lite&gpu=h100&seq=4096&global-batch=4M&gpus=16&ep=16&framework=megatron&moe-dispatcher=deepep&ep-overlap=true&tokens=1T',
  'model=deepseek-v2-lite&gpu=h100&seq=4096&global-batch=4M&gpus=16&ep=8&framework=megatron&moe-capacity-factor=1.25&tokens=1T',
  'model=deepseek-v2-lite&gpu=h800&seq=4096&gpus=64&pp=4&ep=16&zero=1&precision=fp8&framework=megatron&act-cache=fp8-tile&recompute-modules=layernorm,mla_up_proj,moe_act&pipeline=dualpipe&ema=cpu&cuda-context-gb=1&headroom=0.1&tokens=1T',
  'model=llama-7b&gpu=h100&gpus=8&tp=2&framework=megatron&sequence-parallel=false&tp-overlap=true&foreach-optimizer=true&tdp=500&scaleup-bw=300&scaleup-size=4&scaleout-bw=25&tokens=1T',
];
for (const frag of SETUPS) {
  const page = await open(frag);
  const got = await figures(page);
  compare(got, expected(frag), frag);
  // The trainable and frozen figures and their table: shown for a fine-tuning job only.
  const tuned = /(^|&)finetune=(full|lora|qlora)(&|$)/.test(frag);
  check(await page.isVisible('#fig-trainable') === tuned && await page.isVisible('#params-ft') === tuned,
    `${frag}: the trainable/frozen parameters are ${tuned ? 'shown' : 'hidden'}`);
  if (frag === SETUPS[5]) {
    const fits = got['memory-fits'];
    check(fits === 'true' || fits === 'false', 'memory-fits is a verdict');
  }
  await page.close();
}

// 2. A bare link opens the worked example, and writes it into the URL.
{
  const page = await open(null);
  check(new URL(page.url()).hash === '#model=llama-7b&gpu=a100&tokens=1T', `bare link's fragment: ${page.url()}`);
  compare(await figures(page), expected('model=llama-7b&gpu=a100&tokens=1T'), 'bare link');

  // 3. Change a field: the numbers and the link follow.
  const before = await figures(page);
  await page.fill('#f-seq', '4096');
  await page.waitForFunction(() => location.hash.includes('seq=4096'));
  await settled(page);
  const after = await figures(page);
  check(after['step-seconds'] !== before['step-seconds'], 'seq 4096 changes the step time');
  compare(after, expected('model=llama-7b&gpu=a100&tokens=1T&seq=4096'), 'after typing seq 4096');
  await page.selectOption('#f-zero', '3');
  await page.fill('#f-gpus', '8');
  await page.waitForFunction(() => location.hash.includes('zero=3') && location.hash.includes('gpus=8'));
  await settled(page);
  compare(await figures(page), expected('model=llama-7b&gpu=a100&tokens=1T&seq=4096&gpus=8&zero=3'), 'after zero 3 on 8 GPUs');
  check((await page.textContent('#cli-command')).includes('--zero 3'), 'the command line shown follows the fields');

  // 4. An impossible layout: the library's message beside the field, no figure left that depends on it.
  await page.fill('#f-gpus', '');
  await page.selectOption('#f-zero', '');
  await page.fill('#f-seq', '');
  await page.fill('#f-tp', '3');
  await page.waitForFunction(() => location.hash === '#model=llama-7b&gpu=a100&tp=3&tokens=1T');
  await settled(page);
  const msg = (await page.textContent('#e-tp')).trim();
  const cliMsg = cliError('train', ['llama-7b', '--gpu', 'a100', '--tokens', '1T', '--tp', '3']);
  // The CLI names the flag (--tp 3), the library's request the argument (tp = 3): the rest is the same line.
  const tail = cliMsg.replace(/^llmcost: --tp 3 /, '').replace(/ \(try .*\)$/, '');
  check(msg === `tp = 3 ${tail}`, `tp 3: page says '${msg}', CLI '${cliMsg}'`);
  check(!msg.includes('\n'), 'one line');
  const broken = await figures(page);
  for (const id of ['memory-peak-bytes', 'step-seconds', 'train-cost-dollars'])
    check(broken[id] === null, `${id} has no value when the layout is refused (${broken[id]})`);
  check(broken['params-total'] !== null, 'the parameters do not depend on the layout and stay');
  await page.fill('#f-tp', '');
  await page.fill('#f-tokens', '1T');
  await page.waitForFunction(() => !location.hash.includes('tp=3'));
  await settled(page);
  check((await page.textContent('#e-tp')).trim() === '', 'the message goes with the error');

  await page.fill('#f-seq', '4096');
  await page.fill('#f-gpus', '8');
  await page.selectOption('#f-zero', '3');
  await page.waitForFunction(() => location.hash.includes('zero=3') && location.hash.includes('seq=4096'));
  await settled(page);

  // 5. A pasted config.json: the library reads it as the CLI reads the file.
  const cfgPath = join(root, 'tests', 'fixtures', 'llama_7b_config.json');
  const cfg = readFileSync(cfgPath, 'utf8');
  await page.fill('#f-config', cfg);
  await page.waitForFunction(() => location.hash.includes('config='));
  await settled(page);
  const pasted = await figures(page);
  const p = cli('params', [cfgPath]);
  check(Number(pasted['params-total']) === p.total, `pasted config: total ${pasted['params-total']} vs CLI ${p.total}`);
  const sp = cli('step', [cfgPath, '--gpu', 'a100', '--seq', '4096', '--gpus', '8', '--zero', '3']);
  check(Number(pasted['step-seconds']) === sp.step_seconds, `pasted config: step ${pasted['step-seconds']} vs ${sp.step_seconds}`);
  // ... and the link carries it: opened afresh, the same figures.
  const again = await open(new URL(page.url()).hash.slice(1));
  check(JSON.stringify(await figures(again)) === JSON.stringify(pasted), 'a link with a pasted config restores it');
  await again.close();

  // 6. Malformed JSON: the library's message beside the config field (as the CLI says it of a file), no figures.
  const bad = '{"model_type": "llama", "hidden_size": 40\n';
  const dir = mkdtempSync(join(tmpdir(), 'llmcost-web-'));
  writeFileSync(join(dir, 'config.json'), bad);
  await page.fill('#f-config', bad);
  await page.waitForFunction(() => document.body.dataset.computed?.includes('40%0A'));
  await settled(page);
  const cfgMsg = (await page.textContent('#e-config')).trim();
  const cliCfg = cliError('params', [join(dir, 'config.json')]).replace(/^llmcost: /, '').split(join(dir, 'config.json')).join('/pasted/config.json');
  check(cfgMsg === cliCfg, `malformed config: page '${cfgMsg}' vs CLI '${cliCfg}'`);
  check((await figures(page))['params-total'] === null, 'no parameter count for a malformed config');
  await page.click('#clear-config');
  await page.waitForFunction(() => !location.hash.includes('config='));
  await settled(page);

  // 7. Every chart drawn: a screenshot of each, not blank (many pixels unlike the background, several colours).
  for (const name of ['params', 'flops', 'attn', 'memory', 'timeline', 'step', 'budget']) {
    const el = page.locator(`#chart-${name}`);
    await el.scrollIntoViewIfNeeded();
    const png = await el.screenshot({ path: join(shots, `chart-${name}.png`) });
    const stats = await page.evaluate(async (b64) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.width;
      c.height = img.height;
      const x = c.getContext('2d');
      x.drawImage(img, 0, 0);
      const d = x.getImageData(0, 0, c.width, c.height).data;
      const bg = [d[0], d[1], d[2]];
      let ink = 0;
      const colours = new Set();
      for (let i = 0; i < d.length; i += 4) {
        if (Math.abs(d[i] - bg[0]) + Math.abs(d[i + 1] - bg[1]) + Math.abs(d[i + 2] - bg[2]) > 60) ink++;
        colours.add((d[i] >> 4) * 256 + (d[i + 1] >> 4) * 16 + (d[i + 2] >> 4));
      }
      return { w: c.width, h: c.height, ink: ink / (d.length / 4), colours: colours.size };
    }, png.toString('base64'));
    check(stats.w > 200 && stats.h > 150 && stats.ink > 0.01 && stats.colours >= 4,
      `chart ${name} drawn: ${stats.w}x${stats.h}, ${(stats.ink * 100).toFixed(1)}% ink, ${stats.colours} colours`);
  }

  // 8. The planner, in its worker: its best layout is the CLI's.
  await page.click('#plan-run');
  await page.waitForFunction(() => document.querySelector('#plan-best').dataset.value !== undefined ||
    document.querySelector('#e-plan').textContent !== '', null, { timeout: 120000 });
  const best = await page.getAttribute('#plan-best', 'data-value');
  const plan = cli('plan', ['llama-7b', '--gpu', 'a100', '--seq', '4096', '--gpus', '8', '--global-batch', '4194304',
    '--tokens', '1T', '--threads', '1', '--top', '10']);
  check(plan.layouts.length > 0 && Number(best) === plan.layouts[0].step_seconds,
    `planner: page's best ${best} vs CLI ${plan.layouts[0]?.step_seconds} (${await page.textContent('#e-plan')})`);

  // 9. Labels on every field; the page at a phone's width has no sideways scrolling; both themes.
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea')]
    .filter((e) => !document.querySelector(`label[for="${e.id}"]`)?.textContent.trim()).map((e) => e.id || e.name));
  check(unlabelled.length === 0, `fields without a label: ${unlabelled}`);
  await page.focus('#f-model');
  await page.keyboard.press('Tab');
  check(await page.evaluate(() => document.activeElement.id === 'f-config'), 'Tab moves from the preset to the config');
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(shots, 'page-light.png') });
  await page.click('#theme'); // system -> light
  await page.click('#theme'); // light -> dark
  check(await page.evaluate(() => document.documentElement.dataset.theme === 'dark' &&
    getComputedStyle(document.body).backgroundColor !== 'rgb(255, 255, 255)'), 'the dark theme darkens the page');
  await page.screenshot({ path: join(shots, 'page-dark.png') });
  await page.click('#theme'); // back to system
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  const wide = await page.evaluate(() => [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
    .slice(0, 5).map((e) => `${e.tagName.toLowerCase()}#${e.id}.${e.className}`));
  check(over <= 0, `phone width: the page is ${over} px wider than the screen (${wide.join(' ')})`);
  await page.screenshot({ path: join(shots, 'page-phone.png') });
  await page.close();
}

// 11. The fine-tuning panel and the savers typed in: the link, the command line and every figure follow the CLI.
{
  const page = await open('model=llama-3-8b&gpu=rtx-4090&seq=1024&tokens=1B');
  const before = await figures(page);
  await page.selectOption('#f-finetune', 'qlora');
  await page.fill('#f-lora-rank', '16');
  await page.fill('#f-lora-targets', 'all-linear');
  await page.check('#f-double-quant');
  await page.selectOption('#f-optimizer', 'paged-adamw-8bit');
  await page.fill('#f-chunked-loss', '16');
  await page.check('#f-compile');
  await page.fill('#f-power-cap', '300');
  await page.waitForFunction(() => ['finetune=qlora', 'lora-targets=all-linear', 'double-quant=true', 'compile=true',
    'chunked-loss=16', 'optimizer=paged-adamw-8bit', 'power-cap=300'].every((k) => location.hash.includes(k)));
  await settled(page);
  const typed = new URL(page.url()).hash.slice(1);
  const got = await figures(page);
  compare(got, expected(typed), 'typed into the fine-tuning panel');
  check(got['memory-peak-bytes'] !== before['memory-peak-bytes'], 'QLoRA changes the peak');
  // What trains and what stays frozen: shown for the fine-tuning job only, and the CLI's counts (run here).
  check(before['params-trainable'] === null && before['params-frozen'] === null, 'no trainable count before fine-tuning is chosen');
  check(await page.isVisible('#fig-trainable') && await page.isVisible('#fig-frozen') && await page.isVisible('#t-params-ft'),
    'the trainable and frozen figures and their table are shown for a fine-tuning job');
  const pq = cli('params', ['llama-3-8b', '--finetune', 'qlora', '--lora-rank', '16', '--lora-targets', 'all-linear',
    '--double-quant']).finetune;
  check(Number(got['params-trainable']) === pq.trainable_params && Number(got['params-frozen']) === pq.frozen_params,
    `QLoRA r16 all-linear: page ${got['params-trainable']} trainable / ${got['params-frozen']} frozen vs CLI ${pq.trainable_params} / ${pq.frozen_params}`);
  const ftText = await page.textContent('#t-params-ft');
  check(ftText.includes('adapters on q_proj') && ftText.includes('adapters on down_proj') &&
    ftText.includes(Number(pq.adapters.mlp_down.params).toLocaleString('en-US')),
    `the table lists each adapted module with the CLI's count: ${ftText.slice(0, 200)}`);
  check(Number(got['memory-max-seq']) > Number(before['memory-max-seq'] || 0), 'QLoRA fits a longer sequence than pre-training');
  const cmd = await page.textContent('#cli-command');
  check(cmd.includes('--finetune qlora') && cmd.includes('--compile') && !cmd.includes('--compile true') &&
    cmd.includes('--double-quant --') && cmd.includes('--power-cap 300'), `command line: ${cmd}`);
  // Unchecked, a flag leaves the link.
  await page.uncheck('#f-compile');
  await page.waitForFunction(() => !location.hash.includes('compile='));
  await settled(page);
  compare(await figures(page), expected(new URL(page.url()).hash.slice(1)), 'after unchecking --compile');
  // The planner sizes and times every layout with the savers (as `llmcost plan --chunked-loss` does): its best
  // layout's flags carry them.
  await page.click('#plan-run');
  await page.waitForFunction(() => document.querySelector('#e-plan').textContent !== '' ||
    document.querySelector('#plan-best').dataset.value !== undefined, null, { timeout: 120000 });
  check((await page.textContent('#e-plan')) === '' && Number(await page.getAttribute('#plan-best', 'data-value')) > 0,
    `planner with savers: '${await page.textContent('#e-plan')}'`);
  check((await page.textContent('#plan-best')).includes('--chunked-loss 16'),
    `the best layout's flags carry the savers: ${await page.textContent('#plan-best')}`);
  await page.close();
}

// 12. The planner under a power cap: its best layout is `llmcost plan --power-cap`'s, slower than without the cap.
{
  const frag = 'model=llama-3.2-1b&gpu=h100&seq=2048&global-batch=512K&gpus=8&power-cap=500&tokens=10B';
  const page = await open(frag);
  await page.click('#plan-run');
  await page.waitForFunction(() => document.querySelector('#plan-best').dataset.value !== undefined ||
    document.querySelector('#e-plan').textContent !== '', null, { timeout: 120000 });
  const best = await page.getAttribute('#plan-best', 'data-value');
  const args = ['llama-3.2-1b', '--gpu', 'h100', '--seq', '2048', '--gpus', '8', '--global-batch', '512K', '--tokens', '10B',
    '--threads', '1', '--top', '10'];
  const capped = cli('plan', [...args, '--power-cap', '500']);
  const full = cli('plan', args);
  check(capped.layouts.length > 0 && Number(best) === capped.layouts[0].step_seconds,
    `planner --power-cap 500: page's best ${best} vs CLI ${capped.layouts[0]?.step_seconds} (${await page.textContent('#e-plan')})`);
  check(capped.layouts[0].step_seconds > full.layouts[0].step_seconds, 'the cap slows the best layout');
  check(capped.layouts[0].step_flags.includes('--power-cap 500'), 'the best layout\'s flags carry the cap');
  check((await page.textContent('#plan-best')).includes('--power-cap 500'), 'the page shows the cap in the flags');
  await page.close();
}

// 13. The CP implementation and per-layer checkpointing typed in (h16k's --cp-comm, --recompute-every): the link
// and the command line carry the CLI's flags, the step time and the peak are what the CLI computes here for them,
// and each field moves what its mechanism moves.
{
  const page = await open('model=llama-3-8b&gpu=h100&seq=16384&global-batch=4M&gpus=16&tp=2&cp=2&tokens=1T');
  const ring = await figures(page);
  await page.selectOption('#f-cp-comm', 'allgather');
  await page.waitForFunction(() => location.hash.includes('cp-comm=allgather'));
  await settled(page);
  const frag = new URL(page.url()).hash.slice(1);
  const ag = await figures(page);
  compare(ag, expected(frag), 'typed --cp 2 --cp-comm allgather');
  const [model, ...job] = cliArgs(frag, JOB);
  const s = cli('step', [model, ...job]);
  const m = cli('memory', [model, ...job]);
  check(Number(ag['step-seconds']) === s.step_seconds && Number(ag['memory-peak-bytes']) === m.peak_bytes,
    `--cp-comm allgather: page step ${ag['step-seconds']} s, peak ${ag['memory-peak-bytes']} vs CLI ${s.step_seconds}, ${m.peak_bytes}`);
  // The gathered keys and values are exposed (Llama 3 §3.3.2), the ring's sends hidden behind its blocks. (The step
  // as a whole need not be slower: the ring runs cp smaller attention kernels, the gather one whole one.)
  const [rmodel, ...rjob] = cliArgs('model=llama-3-8b&gpu=h100&seq=16384&global-batch=4M&gpus=16&tp=2&cp=2&tokens=1T', JOB);
  const sr = cli('step', [rmodel, ...rjob]);
  check(Number(ring['step-seconds']) === sr.step_seconds, `the ring: page ${ring['step-seconds']} s vs CLI ${sr.step_seconds} s`);
  check(s.components.cp_comm > 0 && s.components.cp_comm > sr.components.cp_comm,
    `allgather exposes ${s.components.cp_comm} s of CP communication, the ring ${sr.components.cp_comm} s`);
  check((await page.textContent('#t-step')).includes('CP communication'), 'the step table shows the CP communication');
  check((await page.textContent('#cli-command')).includes('--cp 2 --cp-comm allgather'),
    `command line: ${await page.textContent('#cli-command')}`);
  // The planner takes it fixed, as \`llmcost plan --cp-comm allgather\` does.
  await page.click('#plan-run');
  await page.waitForFunction(() => document.querySelector('#plan-best').dataset.value !== undefined ||
    document.querySelector('#e-plan').textContent !== '', null, { timeout: 120000 });
  const plan = cli('plan', ['llama-3-8b', '--gpu', 'h100', '--seq', '16384', '--gpus', '16', '--global-batch', '4M',
    '--tokens', '1T', '--threads', '1', '--top', '10', '--cp-comm', 'allgather']);
  check(plan.layouts.length > 0 && Number(await page.getAttribute('#plan-best', 'data-value')) === plan.layouts[0].step_seconds,
    `planner --cp-comm allgather: page's best ${await page.getAttribute('#plan-best', 'data-value')} vs CLI ${plan.layouts[0]?.step_seconds}`);
  check((await page.textContent('#plan-best')).includes('--cp-comm allgather') === plan.layouts[0].step_flags.includes('--cp-comm allgather'),
    `the best layout's flags are the CLI's: ${await page.textContent('#plan-best')}`);
  await page.close();
}
{
  const page = await open('model=llama-3-8b&gpu=a100&seq=8192&gpus=64&zero=3&recompute=full&tokens=1T');
  const every = await figures(page);
  await page.fill('#f-recompute-every', '2');
  await page.waitForFunction(() => location.hash.includes('recompute-every=2'));
  await settled(page);
  const frag = new URL(page.url()).hash.slice(1);
  const half = await figures(page);
  compare(half, expected(frag), 'typed --recompute full --recompute-every 2');
  const [model, ...job] = cliArgs(frag, JOB);
  const s = cli('step', [model, ...job]);
  const m = cli('memory', [model, ...job]);
  check(Number(half['step-seconds']) === s.step_seconds && Number(half['memory-peak-bytes']) === m.peak_bytes,
    `--recompute-every 2: page step ${half['step-seconds']} s, peak ${half['memory-peak-bytes']} vs CLI ${s.step_seconds}, ${m.peak_bytes}`);
  // Half the layers recompute and the other half keep everything: faster, and a higher peak.
  check(Number(half['step-seconds']) < Number(every['step-seconds']) && Number(half['memory-peak-bytes']) > Number(every['memory-peak-bytes']),
    `every 2nd layer: ${half['step-seconds']} s / ${half['memory-peak-bytes']} B vs every layer ${every['step-seconds']} s / ${every['memory-peak-bytes']} B`);
  check((await page.textContent('#cli-command')).includes('--recompute full --recompute-every 2'),
    `command line: ${await page.textContent('#cli-command')}`);
  // Without full recomputation the library refuses it: its message beside the field, the CLI's in the library's words.
  await page.selectOption('#f-recompute', '');
  await page.waitForFunction(() => !location.hash.includes('recompute=full'));
  await settled(page);
  const msg = (await page.textContent('#e-recompute-every')).trim();
  const cliMsg = cliError('step', ['llama-3-8b', '--gpu', 'a100', '--recompute-every', '2']);
  const said = msg.replace(/^recompute_every = 2 needs recompute = full /, '--recompute-every 2 needs --recompute full ');
  check(msg !== '' && `llmcost: ${said} (try 'llmcost help step')` === cliMsg, `recompute-every without full: page '${msg}', CLI '${cliMsg}'`);
  check((await figures(page))['step-seconds'] === null, 'no step time for a refused job');
  await page.close();
}

// 14. The MoE token dispatch (the CLI's --moe-dispatcher, --moe-capacity-factor, --ep-overlap, --etp): fields of a
// model with routed experts only; deepep selected shows the CLI's step time for it (run here), the EP overlap hides
// its all-to-all, a capacity factor with deepep is refused beside its field in the library's words, and the planner
// takes the dispatcher fixed as the CLI's plan does.
{
  const dense = await open('model=llama-7b&gpu=h100&gpus=8&tp=2&framework=megatron&sequence-parallel=false&tokens=1T');
  for (const k of ['moe-dispatcher', 'moe-capacity-factor', 'ep-overlap', 'etp', 'moe-shared-expert-overlap'])
    check(await dense.isHidden(`#f-${k}`), `a dense model: no ${k} field`);
  check(await dense.isVisible('#f-tp-overlap') && await dense.isVisible('#f-act-cache'), 'a dense model: the other job fields');
  check((await dense.textContent('#cli-command')).includes('--tp 2 --no-sequence-parallel'),
    `sequence parallelism off is --no-sequence-parallel: ${await dense.textContent('#cli-command')}`);
  // Every job and GPU flag of 'llmcost step --help' and 'llmcost memory --help' is a field of the page, but those
  // that are no job setting of a page: the output, a catalogue file, an alias, a field's other value, the course's
  // one-layer question (another document) and --max-seq (the page always asks for it).
  const NOT_FIELDS = ['format', 'help', 'gpu-file', 'micro-batches', 'no-sequence-parallel', 'course-layer', 'max-seq'];
  const keys = await dense.evaluate(() => [...document.querySelectorAll('.field')].map((f) => f.dataset.key));
  for (const command of ['step', 'memory']) {
    const help = execFileSync(cliBin, [command, '--help'], { encoding: 'utf8' });
    const options = help.split('\noptions:\n')[1].split('\n\n')[0];
    const flags = [...options.matchAll(/^ {2}--([a-z0-9-]+)/gm)].map((m) => m[1]);
    check(flags.length > 40, `${command} --help lists its flags (${flags.length})`);
    const missing = flags.filter((f) => !keys.includes(f) && !NOT_FIELDS.includes(f));
    check(missing.length === 0, `flags of llmcost ${command} without a field on the page: ${missing}`);
  }
  await dense.close();
  const base = 'model=deepseek-v2-lite&gpu=h100&seq=4096&global-batch=4M&gpus=16&ep=16&framework=megatron&tokens=1T';
  const page = await open(base);
  for (const k of ['moe-dispatcher', 'moe-capacity-factor', 'ep-overlap', 'etp'])
    check(await page.isVisible(`#f-${k}`), `an MoE model: the ${k} field`);
  const a2a = await figures(page);
  const [bmodel, ...bjob] = cliArgs(base, JOB);
  const s0 = cli('step', [bmodel, ...bjob]);
  check(Number(a2a['step-seconds']) === s0.step_seconds, `alltoall: page ${a2a['step-seconds']} s vs CLI ${s0.step_seconds} s`);
  await page.selectOption('#f-moe-dispatcher', 'deepep');
  await page.waitForFunction(() => location.hash.includes('moe-dispatcher=deepep'));
  await settled(page);
  const frag = new URL(page.url()).hash.slice(1);
  const dep = await figures(page);
  compare(dep, expected(frag), 'typed --moe-dispatcher deepep');
  const [model, ...job] = cliArgs(frag, JOB);
  const s = cli('step', [model, ...job]);
  check(job.join(' ').includes('--moe-dispatcher deepep') && Number(dep['step-seconds']) === s.step_seconds,
    `--moe-dispatcher deepep: page step ${dep['step-seconds']} s vs CLI ${s.step_seconds} s`);
  // DeepEP sends each token once per node it reaches (the alltoall each of its top-6 slots): the shown step changes.
  check(Number(dep['step-seconds']) !== Number(a2a['step-seconds']) && s.components.ep_comm < s0.components.ep_comm,
    `deepep ${dep['step-seconds']} s (EP ${s.components.ep_comm} s) vs alltoall ${a2a['step-seconds']} s (EP ${s0.components.ep_comm} s)`);
  check((await page.textContent('#cli-command')).includes('--ep 16 --moe-dispatcher deepep'),
    `command line: ${await page.textContent('#cli-command')}`);
  await page.check('#f-ep-overlap');
  await page.waitForFunction(() => location.hash.includes('ep-overlap=true'));
  await settled(page);
  const over = await figures(page);
  const so = cli('step', cliArgs(new URL(page.url()).hash.slice(1), JOB));
  check(Number(over['step-seconds']) === so.step_seconds && so.components.ep_comm < s.components.ep_comm,
    `--ep-overlap: page ${over['step-seconds']} s vs CLI ${so.step_seconds} s (EP ${so.components.ep_comm} s)`);
  await page.fill('#f-moe-capacity-factor', '1.25');
  await page.waitForFunction(() => location.hash.includes('moe-capacity-factor=1.25'));
  await settled(page);
  const msg = (await page.textContent('#e-moe-capacity-factor')).trim();
  const cliMsg = cliError('step', [...cliArgs(new URL(page.url()).hash.slice(1), JOB)]);
  const said = msg.replace(/^moe_capacity_factor = 1.25: /, '--moe-capacity-factor 1.25: ');
  check(msg !== '' && `llmcost: ${said} (try 'llmcost help step')` === cliMsg, `capacity factor with deepep: page '${msg}', CLI '${cliMsg}'`);
  check((await figures(page))['step-seconds'] === null, 'no step time for a refused job');
  await page.fill('#f-moe-capacity-factor', '');
  await page.waitForFunction(() => !location.hash.includes('moe-capacity-factor'));
  await settled(page);
  // The planner takes the dispatcher fixed (the EP overlap is one of its searched dimensions, as on the CLI).
  await page.click('#plan-run');
  await page.waitForFunction(() => document.querySelector('#plan-best').dataset.value !== undefined ||
    document.querySelector('#e-plan').textContent !== '', null, { timeout: 120000 });
  const plan = cli('plan', ['deepseek-v2-lite', '--gpu', 'h100', '--seq', '4096', '--gpus', '16', '--global-batch', '4M',
    '--tokens', '1T', '--threads', '1', '--top', '10', '--framework', 'megatron', '--moe-dispatcher', 'deepep']);
  check(plan.layouts.length > 0 && Number(await page.getAttribute('#plan-best', 'data-value')) === plan.layouts[0].step_seconds,
    `planner --moe-dispatcher deepep: page's best ${await page.getAttribute('#plan-best', 'data-value')} vs CLI ${plan.layouts[0]?.step_seconds}`);
  check((await page.textContent('#plan-best')).includes('--moe-dispatcher deepep'),
    `the best layout's flags carry the dispatcher: ${await page.textContent('#plan-best')}`);
  await page.close();
  // Megatron-Core's --moe-shared-expert-overlap (h-moe2): a field of an MoE model; checked, the page shows the CLI's
  // step time for it, with less EP time exposed than the alltoall's alone.
  const shared = await open(base);
  check(await shared.isVisible('#f-moe-shared-expert-overlap'), 'an MoE model: the moe-shared-expert-overlap field');
  await shared.check('#f-moe-shared-expert-overlap');
  await shared.waitForFunction(() => location.hash.includes('moe-shared-expert-overlap=true'));
  await settled(shared);
  const sh = await figures(shared);
  const ssh = cli('step', cliArgs(new URL(shared.url()).hash.slice(1), JOB));
  check(Number(sh['step-seconds']) === ssh.step_seconds && ssh.moe.shared_expert_overlap === true &&
    ssh.components.ep_comm < s0.components.ep_comm,
    `--moe-shared-expert-overlap: page ${sh['step-seconds']} s vs CLI ${ssh.step_seconds} s (EP ${ssh.components.ep_comm} s)`);
  await shared.close();
}

// 10. The README's picture: the worked example as a bare link opens it.
{
  const page = await open(null);
  await page.screenshot({ path: join(shots, 'web-calculator.png'), clip: { x: 0, y: 0, width: 1280, height: 900 } });
  await page.close();
}

check(leaks.length === 0, `requests left the page: ${leaks.join(', ')}`);
check(pageErrors.length === 0, `errors in the page: ${pageErrors.join(' | ')}`);
await browser.close();
console.log(`web e2e: ${checks - failures}/${checks} checks passed (screenshots in ${shots})`);
process.exit(failures ? 1 : 0);
