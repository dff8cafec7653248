// fields.js - the page's inputs. Each key is the CLI's flag name (the URL fragment's keys too); a request takes it
// with underscores (micro-batch -> micro_batch). Values are passed as typed, so "4k", "1T" and "15360x4096" read
// as on the command line. An empty field is not given: the library's default applies and is said in the notes.

const choice = (values, dflt) => [{ value: '', text: `default (${dflt})` }, ...values.map((v) => ({ value: v, text: v }))];

export const FIELDS = [
  // GPU
  { key: 'gpu', group: 'gpu', label: 'GPU', unit: 'catalogue name', kind: 'select', options: [] },
  { key: 'price', group: 'gpu', label: 'Price', unit: 'US$ per GPU-hour', placeholder: 'the catalogue\u2019s', inputmode: 'decimal' },
  { key: 'peak-tflops', group: 'gpu', label: 'Custom peak', unit: 'TFLOP/s, dense, of the precision', placeholder: 'the catalogue\u2019s', inputmode: 'decimal' },
  { key: 'memory-gb', group: 'gpu', label: 'Custom memory', unit: 'GB (GiB as vendors quote it)', placeholder: 'the catalogue\u2019s', inputmode: 'decimal' },
  { key: 'memory-bw', group: 'gpu', label: 'Custom bandwidth', unit: 'GB/s', placeholder: 'the catalogue\u2019s', inputmode: 'decimal' },
  // batch and recipe
  { key: 'seq', group: 'job', label: 'Sequence', unit: 'tokens (4k = 4096)', placeholder: 'the model\u2019s training length' },
  { key: 'micro-batch', group: 'job', label: 'Micro-batch', unit: 'sequences per GPU', placeholder: '1', inputmode: 'numeric' },
  { key: 'global-batch', group: 'job', label: 'Global batch', unit: 'tokens per step (4M = 2^22), or SEQUENCESxLENGTH', placeholder: 'the published batch, else 4M' },
  { key: 'precision', group: 'job', label: 'Precision', unit: 'recipe', kind: 'select', options: choice(['fp32', 'amp-bf16', 'bf16', 'bf16-master', 'fp8', 'fp16'], 'bf16; fp16 on V100/T4') },
  { key: 'optimizer', group: 'job', label: 'Optimizer', unit: '', kind: 'select', options: choice(['adamw', 'adamw-8bit', 'sgd', 'adafactor'], 'adamw') },
  { key: 'recompute', group: 'job', label: 'Recomputation', unit: 'of activations', kind: 'select', options: choice(['none', 'selective', 'full'], 'none') },
  { key: 'attention', group: 'job', label: 'Attention kernel', unit: '', kind: 'select', options: choice(['eager', 'sdpa', 'flash', 'sdpa-math', 'flash2', 'flash3', 'cudnn', 'triton'], 'sdpa') },
  { key: 'framework', group: 'job', label: 'Framework profile', unit: '', kind: 'select', options: choice(['hf', 'megatron', 'torchtune', 'litgpt'], 'hf') },
  // fine-tuning (the frozen base and its adapters: 'llmcost memory --finetune ...')
  { key: 'finetune', group: 'job', label: 'Fine-tuning', unit: 'what trains', kind: 'select', options: choice(['none', 'full', 'lora', 'qlora'], 'none: pre-training') },
  { key: 'lora-rank', group: 'job', label: 'LoRA rank', unit: 'r', placeholder: '8 (PEFT\u2019s)', inputmode: 'numeric' },
  { key: 'lora-alpha', group: 'job', label: 'LoRA alpha', unit: 'update scaled by alpha / r', placeholder: '8', inputmode: 'decimal' },
  { key: 'lora-targets', group: 'job', label: 'LoRA targets', unit: 'module names (q_proj,v_proj) or all-linear', placeholder: 'PEFT\u2019s default for the type' },
  { key: 'lora-variant', group: 'job', label: 'LoRA variant', unit: '', kind: 'select', options: choice(['lora', 'dora'], 'lora') },
  { key: 'quant', group: 'job', label: 'QLoRA base', unit: 'storage of the frozen weights', kind: 'select', options: choice(['nf4', 'fp4', 'int8', 'int4'], 'nf4') },
  { key: 'lora-dropout', group: 'job', label: 'LoRA dropout', unit: 'probability, below 1', placeholder: 'none', inputmode: 'decimal' },
  { key: 'adapter-dtype', group: 'job', label: 'Adapter dtype', unit: 'adapters, their gradients and states', kind: 'select', options: choice(['auto', 'fp32', 'bf16'], 'auto: fp32 under hf, PEFT\u2019s') },
  // layout
  { key: 'gpus', group: 'layout', label: 'GPUs', unit: 'in the job', placeholder: 'tp \u00d7 pp \u00d7 cp \u00d7 dp', inputmode: 'numeric' },
  { key: 'tp', group: 'layout', label: 'TP', unit: 'tensor parallel', placeholder: '1', inputmode: 'numeric' },
  { key: 'pp', group: 'layout', label: 'PP', unit: 'pipeline stages', placeholder: '1', inputmode: 'numeric' },
  { key: 'vpp', group: 'layout', label: 'VPP', unit: 'virtual stages per GPU', placeholder: '1', inputmode: 'numeric' },
  { key: 'dp', group: 'layout', label: 'DP', unit: 'data parallel', placeholder: 'GPUs / (tp \u00d7 pp \u00d7 cp)', inputmode: 'numeric' },
  { key: 'cp', group: 'layout', label: 'CP', unit: 'context parallel', placeholder: '1', inputmode: 'numeric' },
  { key: 'ep', group: 'layout', label: 'EP', unit: 'expert parallel', placeholder: '1', inputmode: 'numeric' },
  { key: 'zero', group: 'layout', label: 'ZeRO', unit: 'stage over data parallelism', kind: 'select', options: choice(['0', '1', '2', '3'], '0; 3 = FSDP') },
  // run
  { key: 'tokens', group: 'run', label: 'Training tokens', unit: '1T = 10^12', placeholder: 'e.g. 1T', inputmode: 'decimal' },
];

// Keys of the URL fragment besides the fields: the model (a preset), a pasted config, and the budget view's.
export const OTHER_KEYS = ['model', 'config', 'dollars'];

export const JOB_KEYS = ['seq', 'micro-batch', 'global-batch', 'precision', 'optimizer', 'recompute', 'attention',
  'framework', 'finetune', 'lora-rank', 'lora-alpha', 'lora-targets', 'lora-variant', 'quant', 'lora-dropout',
  'adapter-dtype', 'gpus', 'tp', 'pp', 'vpp', 'dp', 'cp', 'ep', 'zero'];
export const GPU_KEYS = ['gpu', 'price', 'peak-tflops', 'memory-gb', 'memory-bw'];

// The worked example a bare link opens: the course's LLaMA-7B on an A100 for LLaMA-1's 1T tokens.
export const DEFAULTS = { model: 'llama-7b', gpu: 'a100', tokens: '1T' };

export const argName = (key) => key.replace(/-/g, '_');
export const flagName = (arg) => arg.replace(/_/g, '-');
