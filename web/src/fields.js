// fields.js - the page's inputs. Each key is the CLI's flag name (the URL fragment's keys too); a request takes it
// with underscores (micro-batch -> micro_batch). Values are passed as typed, so "4k", "1T" and "15360x4096" read
// as on the command line. An empty field is not given: the library's default applies and is said in the notes.
// A 'flag' field is a checkbox: the CLI's flag without a value (--compile), "true" in a request and in the link.

const choice = (values, dflt) => [{ value: '', text: `default (${dflt})` }, ...values.map((v) => ({ value: v, text: v }))];

export const FIELDS = [
  // GPU
  { key: 'gpu', group: 'gpu', label: 'GPU', unit: 'catalogue name', kind: 'select', options: [] },
  { key: 'price', group: 'gpu', label: 'Price', unit: 'US$ per GPU-hour', placeholder: 'the catalogue\u2019s', inputmode: 'decimal' },
  { key: 'peak-tflops', group: 'gpu', label: 'Custom peak', unit: 'TFLOP/s, dense, of the precision', placeholder: 'the catalogue\u2019s', inputmode: 'decimal' },
  { key: 'memory-gb', group: 'gpu', label: 'Custom memory', unit: 'GB (GiB as vendors quote it)', placeholder: 'the catalogue\u2019s', inputmode: 'decimal' },
  { key: 'memory-bw', group: 'gpu', label: 'Custom bandwidth', unit: 'GB/s', placeholder: 'the catalogue\u2019s', inputmode: 'decimal' },
  { key: 'tdp', group: 'gpu', label: 'Board power', unit: 'W (TDP)', placeholder: 'the catalogue\u2019s', inputmode: 'decimal' },
  { key: 'scaleup-bw', group: 'gpu', label: 'Scale-up bandwidth', unit: 'GB/s per GPU one way, inside a node', placeholder: 'the catalogue\u2019s', inputmode: 'decimal' },
  { key: 'scaleup-size', group: 'gpu', label: 'GPUs per node', unit: 'scale-up domain', placeholder: 'the catalogue\u2019s', inputmode: 'numeric' },
  { key: 'scaleout-bw', group: 'gpu', label: 'Scale-out bandwidth', unit: 'GB/s per GPU one way, across nodes', placeholder: 'the catalogue\u2019s', inputmode: 'decimal' },
  { key: 'price-list', group: 'gpu', label: 'Price list', unit: 'price and peak from a named list (course, ...)', placeholder: 'the catalogue\u2019s' },
  { key: 'power-cap', group: 'gpu', label: 'Power cap', unit: 'W per GPU (nvidia-smi -pl): clocks fall, energy at the cap', placeholder: 'none: the board power', inputmode: 'decimal' },
  // batch and recipe
  { key: 'seq', group: 'job', label: 'Sequence', unit: 'tokens (4k = 4096)', placeholder: 'the model\u2019s training length' },
  { key: 'micro-batch', group: 'job', label: 'Micro-batch', unit: 'sequences per GPU', placeholder: '1', inputmode: 'numeric' },
  { key: 'global-batch', group: 'job', label: 'Global batch', unit: 'tokens per step (4M = 2^22), or SEQUENCESxLENGTH', placeholder: 'the published batch, else 4M' },
  { key: 'grad-accum', group: 'job', label: 'Gradient accumulation', unit: 'micro-batches per step, instead of the global batch', placeholder: 'from the global batch', inputmode: 'numeric' },
  { key: 'precision', group: 'job', label: 'Precision', unit: 'recipe', kind: 'select', options: choice(['fp32', 'amp-bf16', 'bf16', 'bf16-master', 'fp8', 'fp16'], 'bf16; fp16 on V100/T4') },
  { key: 'optimizer', group: 'job', label: 'Optimizer', unit: 'paged: states in host-visible unified memory', kind: 'select', options: choice(['adamw', 'adamw-8bit', 'sgd', 'adafactor', 'paged-adamw', 'paged-adamw-8bit'], 'adamw') },
  { key: 'recompute', group: 'job', label: 'Recomputation', unit: 'of activations', kind: 'select', options: choice(['none', 'selective', 'full'], 'none') },
  { key: 'recompute-every', group: 'job', label: 'Recompute every', unit: 'N-th layer only, with full recomputation (torchtitan\u2019s)', placeholder: 'every layer', inputmode: 'numeric' },
  { key: 'attention', group: 'job', label: 'Attention kernel', unit: '', kind: 'select', options: choice(['eager', 'sdpa', 'flash', 'sdpa-math', 'flash2', 'flash3', 'cudnn', 'triton', 'flash4'], 'sdpa') },
  { key: 'framework', group: 'job', label: 'Framework profile', unit: '', kind: 'select', options: choice(['hf', 'megatron', 'torchtune', 'litgpt'], 'hf') },
  // memory mechanisms ('llmcost memory --act-cache ...'): how the recipe keeps what it keeps
  { key: 'act-cache', group: 'job', label: 'Activation cache', unit: 'Linear inputs kept for backward; fp8-tile: DeepSeek-V3\u2019s', kind: 'select', options: choice(['recipe', 'fp8-tile'], 'recipe') },
  { key: 'recompute-modules', group: 'job', label: 'Recompute modules', unit: 'layernorm,mla_up_proj,moe_act (Megatron-LM\u2019s names)', placeholder: 'none' },
  { key: 'pipeline', group: 'job', label: 'Pipeline schedule', unit: '', kind: 'select', options: choice(['1f1b', 'dualpipe'], '1f1b') },
  { key: 'ema', group: 'job', label: 'EMA of the weights', unit: 'gpu: an fp32 copy; cpu: no GPU bytes', kind: 'select', options: choice(['none', 'gpu', 'cpu'], 'none') },
  { key: 'bf16-grads', group: 'job', label: 'bf16 gradients', unit: 'bf16-master: gradients in bf16, not fp32', kind: 'flag' },
  { key: 'foreach-optimizer', group: 'job', label: 'foreach optimizer', unit: 'AdamW\u2019s foreach: a state-sized temporary', kind: 'flag' },
  { key: 'headroom', group: 'job', label: 'Headroom', unit: 'fraction of GPU memory kept free', placeholder: '0.05', inputmode: 'decimal' },
  { key: 'cuda-context-gb', group: 'job', label: 'CUDA context', unit: 'GiB: context and libraries', placeholder: '0.76 (measured on an H200)', inputmode: 'decimal' },
  // fine-tuning (the frozen base and its adapters: 'llmcost memory --finetune ...')
  { key: 'finetune', group: 'finetune', label: 'Fine-tuning', unit: 'what trains', kind: 'select', options: choice(['none', 'full', 'lora', 'qlora'], 'none: pre-training') },
  { key: 'lora-rank', group: 'finetune', label: 'LoRA rank', unit: 'r', placeholder: '8 (PEFT\u2019s)', inputmode: 'numeric' },
  { key: 'lora-alpha', group: 'finetune', label: 'LoRA alpha', unit: 'update scaled by alpha / r', placeholder: '8', inputmode: 'decimal' },
  { key: 'lora-targets', group: 'finetune', label: 'LoRA targets', unit: 'module names (q_proj,v_proj) or all-linear', placeholder: 'PEFT\u2019s default for the type' },
  { key: 'lora-variant', group: 'finetune', label: 'LoRA variant', unit: '', kind: 'select', options: choice(['lora', 'dora'], 'lora') },
  { key: 'quant', group: 'finetune', label: 'QLoRA base', unit: 'storage of the frozen weights', kind: 'select', options: choice(['nf4', 'fp4', 'int8', 'int4'], 'nf4') },
  { key: 'lora-dropout', group: 'finetune', label: 'LoRA dropout', unit: 'probability, below 1', placeholder: 'none', inputmode: 'decimal' },
  { key: 'adapter-dtype', group: 'finetune', label: 'Adapter dtype', unit: 'adapters, their gradients and states', kind: 'select', options: choice(['auto', 'fp32', 'bf16'], 'auto: fp32 under hf, PEFT\u2019s') },
  { key: 'double-quant', group: 'finetune', label: 'Double quantisation', unit: 'nf4/fp4: the absmax quantised too (bnb)', kind: 'flag' },
  { key: 'quant-group', group: 'finetune', label: 'Quantisation group', unit: 'int4: inputs per scale', placeholder: '128', inputmode: 'numeric' },
  // memory savers ('llmcost memory --chunked-loss ...'; docs/formulas.md 'Memory savers')
  { key: 'chunked-loss', group: 'savers', label: 'Chunked loss', unit: 'cross-entropy over N chunks of the tokens', placeholder: 'the whole loss at once', inputmode: 'numeric' },
  { key: 'compile', group: 'savers', label: 'torch.compile', unit: 'the compiled loss keeps its input, not fp32 log-probabilities', kind: 'flag' },
  { key: 'optimizer-in-backward', group: 'savers', label: 'Optimizer in backward', unit: 'each gradient freed once applied (gradient accumulation 1)', kind: 'flag' },
  { key: 'activation-offload', group: 'savers', label: 'Activation offload', unit: 'the layers\u2019 kept tensors in host memory', kind: 'flag' },
  // layout
  { key: 'gpus', group: 'layout', label: 'GPUs', unit: 'in the job', placeholder: 'tp \u00d7 pp \u00d7 cp \u00d7 dp', inputmode: 'numeric' },
  { key: 'tp', group: 'layout', label: 'TP', unit: 'tensor parallel', placeholder: '1', inputmode: 'numeric' },
  { key: 'pp', group: 'layout', label: 'PP', unit: 'pipeline stages', placeholder: '1', inputmode: 'numeric' },
  { key: 'vpp', group: 'layout', label: 'VPP', unit: 'virtual stages per GPU', placeholder: '1', inputmode: 'numeric' },
  { key: 'dp', group: 'layout', label: 'DP', unit: 'data parallel', placeholder: 'GPUs / (tp \u00d7 pp \u00d7 cp)', inputmode: 'numeric' },
  { key: 'cp', group: 'layout', label: 'CP', unit: 'context parallel', placeholder: '1', inputmode: 'numeric' },
  { key: 'cp-comm', group: 'layout', label: 'CP implementation', unit: 'Megatron-Core\u2019s --cp-comm-type; torch: PyTorch\u2019s context_parallel (torchtitan)', kind: 'select', options: choice(['p2p', 'allgather', 'a2a', 'torch'], 'p2p: ring attention') },
  { key: 'ep', group: 'layout', label: 'EP', unit: 'expert parallel', placeholder: '1', inputmode: 'numeric' },
  { key: 'etp', group: 'layout', label: 'ETP', unit: 'expert tensor parallel', placeholder: '1', inputmode: 'numeric', moe: true },
  { key: 'moe-dispatcher', group: 'layout', label: 'MoE dispatcher', unit: 'Megatron-Core\u2019s; deepep: DeepEP, once per node', kind: 'select', options: choice(['alltoall', 'allgather', 'deepep'], 'alltoall'), moe: true },
  { key: 'moe-capacity-factor', group: 'layout', label: 'MoE capacity factor', unit: 'per expert: drops and pads (alltoall)', placeholder: 'dropless', inputmode: 'decimal', moe: true },
  { key: 'ep-overlap', group: 'layout', label: 'EP overlap', unit: 'all-to-all behind compute (DeepSeek-V3\u2019s)', kind: 'flag', moe: true },
  { key: 'moe-shared-expert-overlap', group: 'layout', label: 'Shared-expert overlap', unit: 'the shared expert\u2019s GEMMs beside the all-to-all (Megatron-Core\u2019s; alltoall, not with EP overlap)', kind: 'flag', moe: true },
  { key: 'sequence-parallel', group: 'layout', label: 'Sequence parallel', unit: 'norms, dropout over tp', kind: 'select', options: [{ value: '', text: 'default (megatron with TP: on)' }, { value: 'true', text: 'on' }, { value: 'false', text: 'off' }] },
  { key: 'tp-overlap', group: 'layout', label: 'TP overlap', unit: 'collectives behind the GEMMs (TE)', kind: 'flag' },
  { key: 'zero', group: 'layout', label: 'ZeRO', unit: 'stage over data parallelism', kind: 'select', options: choice(['0', '1', '2', '3'], '0; 3 = FSDP') },
  { key: 'ddp-bucket-size', group: 'layout', label: 'DP gradient bucket', unit: 'parameters, ZeRO 0-2 (Megatron-LM\u2019s --ddp-bucket-size)', placeholder: 'the framework\u2019s', inputmode: 'numeric' },
  // run
  { key: 'tokens', group: 'run', label: 'Training tokens', unit: '1T = 10^12', placeholder: 'e.g. 1T', inputmode: 'decimal' },
];

// Keys of the URL fragment besides the fields: the model (a preset), a pasted config, and the budget view's.
export const OTHER_KEYS = ['model', 'config', 'dollars'];

export const FINETUNE_KEYS = ['finetune', 'lora-rank', 'lora-alpha', 'lora-targets', 'lora-variant', 'quant',
  'lora-dropout', 'adapter-dtype', 'double-quant', 'quant-group'];
export const SAVER_KEYS = ['chunked-loss', 'compile', 'optimizer-in-backward', 'activation-offload'];
// The memory mechanisms: fixed in the planner, as the CLI's plan takes them.
export const MECHANISM_KEYS = ['act-cache', 'recompute-modules', 'pipeline', 'ema', 'bf16-grads', 'foreach-optimizer',
  'headroom', 'cuda-context-gb'];
// The MoE token dispatch: fixed in the planner too; with etp and the EP overlap, fields of MoE models only.
export const MOE_KEYS = ['moe-dispatcher', 'moe-capacity-factor', 'moe-shared-expert-overlap'];
export const JOB_KEYS = ['seq', 'micro-batch', 'global-batch', 'grad-accum', 'precision', 'optimizer', 'recompute',
  'recompute-every', 'attention', 'framework', ...MECHANISM_KEYS, ...FINETUNE_KEYS, ...SAVER_KEYS, 'gpus', 'tp', 'pp',
  'vpp', 'dp', 'cp', 'cp-comm', 'ep', 'etp', ...MOE_KEYS, 'ep-overlap', 'sequence-parallel', 'tp-overlap', 'zero',
  'ddp-bucket-size'];
export const GPU_KEYS = ['gpu', 'price', 'peak-tflops', 'memory-gb', 'memory-bw', 'tdp', 'scaleup-bw', 'scaleup-size',
  'scaleout-bw', 'price-list', 'power-cap'];
// The keys that are flags (checkboxes): given as --KEY alone.
export const FLAG_KEYS = FIELDS.filter((f) => f.kind === 'flag').map((f) => f.key);
// The fields shown only for a model with routed experts (or when given: the library's refusal beside its field).
export const MOE_FIELD_KEYS = FIELDS.filter((f) => f.moe).map((f) => f.key);

// The worked example a bare link opens: the course's LLaMA-7B on an A100 for LLaMA-1's 1T tokens.
export const DEFAULTS = { model: 'llama-7b', gpu: 'a100', tokens: '1T' };

export const argName = (key) => key.replace(/-/g, '_');
export const flagName = (arg) => arg.replace(/_/g, '-');
