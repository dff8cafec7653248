#!/usr/bin/env python3
"""h200_measure.py - measurements llmcost calibrates and tests against, taken on one GPU with PyTorch and
HF transformers. Run on the device machine: python3 tools/measure/h200_measure.py OUTDIR [SECONDS]

Sections (each independent; results written after every item, so a failure or a time-out keeps what ran):
  steps    real training steps, the protocol of data/calibration/h200_training_steps.json: memory by phase
           (weights, +optimizer states, after forward, peaks, after backward, reserved), step time; plus an
           instrumented step (memory at every decoder layer's forward end and backward start) and a census of
           the tensors autograd saves for backward, by module, deduplicated by storage.
  params   transformers' num_parameters() of every bundled preset (data/models/*.json), built on the meta device.
  flops    torch.utils.flop_counter.FlopCounterMode around forward (with loss) and backward of presets truncated
           to a few layers, by op.
  kernels  throughput of the kernels a training step runs: attention (SDPA), element-wise, cross-entropy,
           fused AdamW, grouped expert GEMM, fp32/tf32 GEMM, skinny GEMMs.
"""
import gc
import glob
import json
import os
import statistics
import sys
import time
import traceback

import torch

OUT = sys.argv[1] if len(sys.argv) > 1 else "."
BUDGET = float(sys.argv[2]) if len(sys.argv) > 2 else 420.0
T0 = time.time()
RESULTS = {"what": __doc__, "env": {}, "steps": [], "params": [], "flops": [], "kernels": [], "errors": []}


def left():
    return BUDGET - (time.time() - T0)


def save():
    with open(os.path.join(OUT, "measure.json"), "w") as f:
        json.dump(RESULTS, f, indent=1)


def log(*a):
    print(f"[{time.time() - T0:6.1f}s]", *a, flush=True)


import transformers  # noqa: E402
from transformers import AutoConfig, AutoModelForCausalLM  # noqa: E402

RESULTS["env"] = {
    "torch": torch.__version__,
    "transformers": transformers.__version__,
    "gpu": torch.cuda.get_device_name(0),
    "cuda": torch.version.cuda,
}


def make_config(cfg):
    cfg = dict(cfg)
    mt = cfg.pop("model_type")
    for k in ("architectures", "auto_map", "quantization_config", "_name_or_path", "transformers_version",
              "torch_dtype", "dtype"):
        cfg.pop(k, None)
    return AutoConfig.for_model(mt, **cfg)


def build(cfg, dtype, attn="sdpa", device="cuda"):
    c = make_config(cfg)
    c._attn_implementation = attn
    with torch.device(device):
        try:
            m = AutoModelForCausalLM.from_config(c, dtype=dtype, attn_implementation=attn)
        except TypeError:
            m = AutoModelForCausalLM.from_config(c, torch_dtype=dtype, attn_implementation=attn)
        except ValueError:
            # Models without SDPA support (gpt-oss's sinks) fall back to eager attention.
            c._attn_implementation = "eager"
            m = AutoModelForCausalLM.from_config(c, dtype=dtype, attn_implementation="eager")
    return m


def mem():
    return torch.cuda.memory_allocated()


def clean():
    gc.collect()
    torch.cuda.synchronize()
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats()


# ---------------------------------------------------------------- steps
LLAMA_125M = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 768,
              "intermediate_size": 2048, "num_hidden_layers": 12, "num_attention_heads": 12,
              "num_key_value_heads": 12, "vocab_size": 32000, "tie_word_embeddings": False}
GPT2 = {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "n_embd": 768, "n_layer": 12, "n_head": 12,
        "n_positions": 1024, "vocab_size": 50257}
LLAMA_1B = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 2048,
            "intermediate_size": 8192, "num_hidden_layers": 16, "num_attention_heads": 32,
            "num_key_value_heads": 8, "head_dim": 64, "vocab_size": 128256, "max_position_embeddings": 131072,
            "rope_theta": 500000.0, "tie_word_embeddings": True}
DSV3_SMALL = {"architectures": ["DeepseekV3ForCausalLM"], "model_type": "deepseek_v3", "hidden_size": 1024,
              "intermediate_size": 2816, "moe_intermediate_size": 512, "num_hidden_layers": 6,
              "num_attention_heads": 16, "num_key_value_heads": 16, "q_lora_rank": 384, "kv_lora_rank": 256,
              "qk_nope_head_dim": 64, "qk_rope_head_dim": 32, "v_head_dim": 64, "n_routed_experts": 16,
              "n_shared_experts": 1, "num_experts_per_tok": 4, "first_k_dense_replace": 1, "moe_layer_freq": 1,
              "n_group": 4, "topk_group": 2, "norm_topk_prob": True, "routed_scaling_factor": 2.5,
              "vocab_size": 32000, "max_position_embeddings": 4096, "tie_word_embeddings": False}
MIXTRAL_SMALL = {"architectures": ["MixtralForCausalLM"], "model_type": "mixtral", "hidden_size": 1024,
                 "intermediate_size": 3584, "num_hidden_layers": 8, "num_attention_heads": 16,
                 "num_key_value_heads": 4, "num_local_experts": 8, "num_experts_per_tok": 2, "vocab_size": 32000,
                 "max_position_embeddings": 4096, "tie_word_embeddings": False}
GEMMA2_SMALL = {"architectures": ["Gemma2ForCausalLM"], "model_type": "gemma2", "hidden_size": 1152,
                "intermediate_size": 6912, "num_hidden_layers": 8, "num_attention_heads": 8,
                "num_key_value_heads": 4, "head_dim": 256, "vocab_size": 256000, "sliding_window": 4096,
                "query_pre_attn_scalar": 256, "attn_logit_softcapping": 50.0, "final_logit_softcapping": 30.0,
                "hidden_activation": "gelu_pytorch_tanh", "max_position_embeddings": 8192}
QWEN25_05B = {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": 896,
              "intermediate_size": 4864, "num_hidden_layers": 24, "num_attention_heads": 14,
              "num_key_value_heads": 2, "vocab_size": 151936, "max_position_embeddings": 32768,
              "rope_theta": 1000000.0, "tie_word_embeddings": True, "use_sliding_window": False}
QWEN3MOE_SMALL = {"architectures": ["Qwen3MoeForCausalLM"], "model_type": "qwen3_moe", "hidden_size": 1024,
                  "intermediate_size": 2816, "moe_intermediate_size": 512, "num_hidden_layers": 12,
                  "num_attention_heads": 16, "num_key_value_heads": 4, "head_dim": 64, "num_experts": 32,
                  "num_experts_per_tok": 4, "decoder_sparse_step": 1, "mlp_only_layers": [], "vocab_size": 32000,
                  "tie_word_embeddings": False}
GPT2_MEDIUM = {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "n_embd": 1024, "n_layer": 24,
               "n_head": 16, "n_positions": 1024, "vocab_size": 50257}

# (name, config, precision, batch, seq, checkpointing, census)
STEP_CASES = [
    ("llama-125m/bf16/b8/s2048/nockpt", LLAMA_125M, "bf16", 8, 2048, False, True),   # reproduces calibration
    ("gpt2/bf16/b8/s1024/nockpt", GPT2, "bf16", 8, 1024, False, True),               # reproduces calibration
    ("llama-125m/amp/b8/s2048/nockpt", LLAMA_125M, "amp", 8, 2048, False, True),     # reproduces calibration
    ("deepseek-v3-small/bf16/b4/s2048/nockpt", DSV3_SMALL, "bf16", 4, 2048, False, True),
    ("mixtral-small/bf16/b4/s2048/nockpt", MIXTRAL_SMALL, "bf16", 4, 2048, False, True),
    ("gemma2-small/bf16/b2/s2048/nockpt", GEMMA2_SMALL, "bf16", 2, 2048, False, True),
    ("qwen2.5-0.5b/bf16/b4/s2048/nockpt", QWEN25_05B, "bf16", 4, 2048, False, True),
    ("llama-125m/bf16/b4/s4096/nockpt", LLAMA_125M, "bf16", 4, 4096, False, False),
    ("llama-3.2-1b/bf16/b2/s4096/ckpt", LLAMA_1B, "bf16", 2, 4096, True, False),
    ("qwen2.5-0.5b/amp/b8/s1024/ckpt", QWEN25_05B, "amp", 8, 1024, True, False),
    ("mixtral-small/amp/b4/s2048/nockpt", MIXTRAL_SMALL, "amp", 4, 2048, False, True),
    ("deepseek-v3-small/bf16/b4/s2048/ckpt", DSV3_SMALL, "bf16", 4, 2048, True, False),
    ("gpt2-medium/amp/b4/s1024/nockpt", GPT2_MEDIUM, "amp", 4, 1024, False, True),
    ("gemma2-small/amp/b2/s2048/ckpt", GEMMA2_SMALL, "amp", 2, 2048, True, False),
    ("qwen3moe-small/bf16/b4/s4096/nockpt", QWEN3MOE_SMALL, "bf16", 4, 4096, False, True),
]


def decoder_layers(model):
    for path in ("model.layers", "transformer.h", "model.decoder.layers", "transformer.layers", "gpt_neox.layers"):
        obj = model
        try:
            for p in path.split("."):
                obj = getattr(obj, p)
            return list(obj)
        except AttributeError:
            continue
    return []


def census(model, ids, amp):
    """Tensors saved for backward during one forward+loss, by module, deduplicated by storage."""
    param_ptrs = {p.untyped_storage().data_ptr() for p in model.parameters()}
    current = ["pre"]
    hooks = []
    for i, layer in enumerate(decoder_layers(model)):
        hooks.append(layer.register_forward_pre_hook(lambda mod, inp, i=i: current.__setitem__(0, f"layer{i}")))
        hooks.append(layer.register_forward_hook(lambda mod, inp, out: current.__setitem__(0, "post")))
    seen = {}
    order = []

    def pack(t):
        try:
            st = t.untyped_storage()
            ptr = st.data_ptr()
            if ptr in param_ptrs or ptr == 0:
                return t
            if ptr not in seen:
                seen[ptr] = {"module": current[0], "shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", ""),
                             "storage_bytes": st.nbytes(), "device": str(t.device)}
                order.append(ptr)
        except Exception:
            pass
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=amp):
            loss = model(ids, labels=ids).loss
    for h in hooks:
        h.remove()
    del loss
    return [seen[p] for p in order]


def instrumented_step(model, ids, amp, opt):
    """Memory at each decoder layer's forward end and backward start, and the loss's peak."""
    layers = decoder_layers(model)
    fwd, bwd = [], []
    hooks = []
    for i, layer in enumerate(layers):
        hooks.append(layer.register_forward_hook(lambda m, a, o, i=i: fwd.append((i, mem(), torch.cuda.max_memory_allocated()))))
        hooks.append(layer.register_full_backward_pre_hook(lambda m, g, i=i: bwd.append((i, mem(), torch.cuda.max_memory_allocated()))))
    try:
        torch.cuda.reset_peak_memory_stats()
        start = mem()
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=amp):
            loss = model(ids, labels=ids).loss
        after_fwd = mem()
        peak_fwd = torch.cuda.max_memory_allocated()
        loss.backward()
        after_bwd = mem()
        peak = torch.cuda.max_memory_allocated()
        del loss
    finally:
        for h in hooks:
            h.remove()
        opt.zero_grad(set_to_none=True)
    return {"start": start, "after_forward": after_fwd, "peak_forward": peak_fwd, "after_backward": after_bwd,
            "peak": peak, "layer_forward_end": fwd, "layer_backward_start": bwd}


def run_step_case(name, cfg, prec, b, s, ckpt, do_census, attn="sdpa", train=True):
    clean()
    base = mem()
    dtype = torch.float32 if prec in ("amp", "fp32") else torch.bfloat16
    model = build(cfg, dtype, attn=attn)
    model.train(train)
    if ckpt:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    torch.cuda.synchronize()
    weights = mem() - base
    n_params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.AdamW(model.parameters(), lr=1e-5, fused=True)
    vocab = model.config.vocab_size
    ids = torch.randint(0, vocab, (b, s), device="cuda")
    amp = prec == "amp"
    times = []
    rec = {}
    for step in range(6):
        torch.cuda.synchronize()
        t = time.perf_counter()
        if step == 5:
            torch.cuda.reset_peak_memory_stats()
            rec["weights_plus_optimizer_states"] = mem() - base
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=amp):
            loss = model(ids, labels=ids).loss
        if step == 5:
            torch.cuda.synchronize()
            rec["after_forward"] = mem() - base
            rec["peak_during_forward"] = torch.cuda.max_memory_allocated() - base
        loss.backward()
        if step == 5:
            torch.cuda.synchronize()
            rec["after_backward_with_gradients"] = mem() - base
        opt.step()
        opt.zero_grad(set_to_none=True)
        del loss
        torch.cuda.synchronize()
        times.append(time.perf_counter() - t)
        if step == 5:
            rec["peak_allocated_step"] = torch.cuda.max_memory_allocated() - base
            rec["peak_reserved_by_allocator"] = torch.cuda.max_memory_reserved()
    rec["weights"] = weights
    rec["activations_kept_by_forward"] = rec["after_forward"] - rec["weights_plus_optimizer_states"]
    out = {"case": name, "config": cfg, "params": n_params, "precision": prec, "micro_batch": b, "seq": s,
           "train_mode": train,
           "recompute": "full" if ckpt else "none", "attention": model.config._attn_implementation, "bytes": rec,
           "step_seconds_median": statistics.median(times[2:6]), "step_seconds": times,
           "tokens_per_second": b * s / statistics.median(times[2:6])}
    try:
        out["instrumented"] = instrumented_step(model, ids, amp, opt)
    except Exception as e:
        out["instrumented_error"] = repr(e)
    if do_census and not ckpt:
        try:
            out["saved_tensors"] = census(model, ids, amp)
        except Exception as e:
            out["census_error"] = repr(e)
    del model, opt, ids
    clean()
    return out


OLMO2_SMALL = {"architectures": ["Olmo2ForCausalLM"], "model_type": "olmo2", "hidden_size": 1024,
               "intermediate_size": 2816, "num_hidden_layers": 8, "num_attention_heads": 16, "num_key_value_heads": 16,
               "vocab_size": 50304, "max_position_embeddings": 4096, "tie_word_embeddings": False}
PHI3_SMALL = {"architectures": ["Phi3ForCausalLM"], "model_type": "phi3", "hidden_size": 1024, "intermediate_size": 2816,
              "num_hidden_layers": 8, "num_attention_heads": 16, "num_key_value_heads": 8, "vocab_size": 32064,
              "max_position_embeddings": 4096, "sliding_window": 2047, "tie_word_embeddings": False}
OPT_350M = {"architectures": ["OPTForCausalLM"], "model_type": "opt", "hidden_size": 1024, "ffn_dim": 4096,
            "num_hidden_layers": 24, "num_attention_heads": 16, "vocab_size": 50272, "max_position_embeddings": 2048,
            "word_embed_proj_dim": 512, "do_layer_norm_before": False, "dropout": 0.1, "activation_function": "relu"}
FALCON_SMALL = {"architectures": ["FalconForCausalLM"], "model_type": "falcon", "hidden_size": 1024,
                "num_hidden_layers": 8, "num_attention_heads": 16, "vocab_size": 65024, "multi_query": True,
                "new_decoder_architecture": False, "parallel_attn": True, "bias": False}
GEMMA3_SMALL = {"architectures": ["Gemma3ForCausalLM"], "model_type": "gemma3_text", "hidden_size": 1152,
                "intermediate_size": 6912, "num_hidden_layers": 6, "num_attention_heads": 4, "num_key_value_heads": 1,
                "head_dim": 256, "vocab_size": 262144, "sliding_window": 512, "max_position_embeddings": 32768,
                "query_pre_attn_scalar": 256}
GPTOSS_SMALL = {"architectures": ["GptOssForCausalLM"], "model_type": "gpt_oss", "hidden_size": 1024,
                "intermediate_size": 1024, "num_hidden_layers": 4, "num_attention_heads": 16, "num_key_value_heads": 4,
                "head_dim": 64, "num_local_experts": 8, "num_experts_per_tok": 2, "vocab_size": 32000,
                "sliding_window": 128, "layer_types": ["sliding_attention", "full_attention"] * 2,
                "tie_word_embeddings": False}

STEP_CASES_2 = [
    ("gpt2/bf16/b8/s1024/nockpt/eval", GPT2, "bf16", 8, 1024, False, True, "sdpa", False),
    ("gpt2/bf16/b16/s512/nockpt", GPT2, "bf16", 16, 512, False, True),
    ("deepseek-v3-small/amp/b2/s4096/nockpt", DSV3_SMALL, "amp", 2, 4096, False, True),
    ("mixtral-small/bf16/b2/s4096/ckpt", MIXTRAL_SMALL, "bf16", 2, 4096, True, False),
    ("gemma2-small/bf16/b4/s1024/nockpt", GEMMA2_SMALL, "bf16", 4, 1024, False, False),
    ("llama-3.2-1b/amp/b8/s1024/ckpt", LLAMA_1B, "amp", 8, 1024, True, False),
    ("qwen3moe-small/bf16/b8/s2048/ckpt", QWEN3MOE_SMALL, "bf16", 8, 2048, True, False),
    ("olmo2-small/bf16/b4/s2048/nockpt", OLMO2_SMALL, "bf16", 4, 2048, False, True),
    ("phi3-small/bf16/b4/s2048/nockpt", PHI3_SMALL, "bf16", 4, 2048, False, True),
    ("opt-350m/bf16/b8/s1024/nockpt", OPT_350M, "bf16", 8, 1024, False, True),
    ("falcon-small/bf16/b4/s2048/nockpt", FALCON_SMALL, "bf16", 4, 2048, False, True),
    ("gemma3-small/bf16/b2/s4096/nockpt", GEMMA3_SMALL, "bf16", 2, 4096, False, True),
    ("gpt-oss-small/bf16/b4/s2048/nockpt/eager", GPTOSS_SMALL, "bf16", 4, 2048, False, True, "eager"),
    ("llama-125m/bf16/b4/s2048/nockpt/eager", LLAMA_125M, "bf16", 4, 2048, False, True, "eager"),
    ("llama-125m/fp32/b4/s1024/nockpt", LLAMA_125M, "fp32", 4, 1024, False, True),
    ("qwen2.5-0.5b/amp/b4/s2048/nockpt", QWEN25_05B, "amp", 4, 2048, False, True),
]


LLAMA3_8B = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 4096,
             "intermediate_size": 14336, "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8,
             "vocab_size": 128256, "max_position_embeddings": 8192, "rope_theta": 500000.0, "tie_word_embeddings": False}
QWEN25_7B = {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": 3584,
             "intermediate_size": 18944, "num_hidden_layers": 28, "num_attention_heads": 28, "num_key_value_heads": 4,
             "vocab_size": 152064, "max_position_embeddings": 32768, "rope_theta": 1000000.0,
             "tie_word_embeddings": False, "use_sliding_window": False}

# Round 3: large models, where the end of backward (every gradient) and the recomputed layer compete with the loss.
STEP_CASES_3 = [
    ("llama-3-8b/bf16/b1/s2048/nockpt", LLAMA3_8B, "bf16", 1, 2048, False, False),
    ("llama-3-8b/bf16/b4/s4096/ckpt", LLAMA3_8B, "bf16", 4, 4096, True, False),
    ("qwen2.5-7b/bf16/b2/s4096/ckpt", QWEN25_7B, "bf16", 2, 4096, True, False),
]


def section_context():
    clean()
    free, total = torch.cuda.mem_get_info()
    RESULTS["context"] = {"total_bytes": total, "free_bytes": free, "reserved_bytes": torch.cuda.memory_reserved(),
                          "allocated_bytes": torch.cuda.memory_allocated(),
                          "context_and_other_bytes": total - free - torch.cuda.memory_reserved(),
                          "what": "after cuBLAS/cuDNN have been used: device memory in use that PyTorch's allocator does not hold"}


def section_steps(cases=None):
    for case in cases or STEP_CASES:
        if left() < 60:
            RESULTS["errors"].append(f"steps: skipped {case[0]} for time")
            continue
        try:
            log("step", case[0])
            RESULTS["steps"].append(run_step_case(*case))
        except Exception as e:
            RESULTS["errors"].append(f"steps {case[0]}: {e!r}\n{traceback.format_exc()[-1500:]}")
            clean()
        save()


# ---------------------------------------------------------------- params
def section_params(root):
    for path in sorted(glob.glob(os.path.join(root, "data/models/*.json"))):
        if left() < 40:
            RESULTS["errors"].append("params: stopped for time")
            break
        rec = json.load(open(path))
        name = rec["name"]
        try:
            m = build(rec["config"], torch.bfloat16, attn="eager", device="meta")
            bufs = {n: b.numel() for n, b in m.named_buffers()}
            RESULTS["params"].append({"model": name, "num_parameters": m.num_parameters(),
                                      "buffers": {k: v for k, v in bufs.items() if "correction" in k or "bias" in k},
                                      "buffers_total": sum(bufs.values())})
            del m
        except Exception as e:
            RESULTS["errors"].append(f"params {name}: {e!r}")
        gc.collect()
        save()
    log("params done", len(RESULTS["params"]))


# ---------------------------------------------------------------- flops
FLOP_MODELS_2 = ["llama-3.2-1b", "mistral-7b", "mixtral-8x7b", "qwen2.5-0.5b", "qwen3-0.6b", "qwen3-30b-a3b",
                 "gemma-2-2b", "gemma-2-9b", "deepseek-v3", "llama-3.1-8b", "olmoe-1b-7b"]
FLOP_MODELS = ["llama-3.2-1b", "mistral-7b", "mixtral-8x7b", "qwen2.5-0.5b", "qwen3-0.6b", "qwen3-30b-a3b",
               "gemma-2-2b", "gemma-3-1b", "deepseek-v2-lite", "deepseek-v3", "gpt2", "opt-350m", "opt-125m",
               "falcon-7b", "falcon-40b", "phi-3-mini", "olmo-2-7b", "olmoe-1b-7b", "gpt-oss-20b", "gemma-2-9b"]


def truncated(cfg):
    cfg = dict(cfg)
    if cfg.get("model_type", "").startswith("deepseek"):
        cfg["num_hidden_layers"] = 2
        cfg["first_k_dense_replace"] = 1
    elif "layer_types" in cfg:
        cfg["layer_types"] = cfg["layer_types"][:2]
        cfg["num_hidden_layers"] = 2
    else:
        for k in ("num_hidden_layers", "n_layer"):
            if k in cfg:
                cfg[k] = 2
    cfg.pop("num_nextn_predict_layers", None)
    return cfg


def section_flops(root, models=None, attns=None):
    from torch.utils.flop_counter import FlopCounterMode
    for name in models or FLOP_MODELS:
        if left() < 40:
            RESULTS["errors"].append("flops: stopped for time")
            break
        try:
            rec = json.load(open(os.path.join(root, f"data/models/{name}.json")))
            cfg = truncated(rec["config"])
            if name == "deepseek-v3":
                cfg["n_routed_experts"] = 16  # 256 experts at 2 layers exhaust memory in HF's grouped path
                cfg["n_group"] = 4
                cfg["topk_group"] = 2
            for attn in attns or (("sdpa",) if name not in ("gemma-2-2b", "qwen3-0.6b") else ("sdpa", "eager")):
                clean()
                m = build(cfg, torch.bfloat16, attn=attn)
                m.train()
                s = 512
                ids = torch.randint(0, m.config.vocab_size, (1, s), device="cuda")
                fc = FlopCounterMode(display=False)
                with fc:
                    loss = m(ids, labels=ids).loss
                fwd = {str(k): v for k, v in fc.get_flop_counts()["Global"].items()}
                fc2 = FlopCounterMode(display=False)
                with fc2:
                    loss.backward()
                bwd = {str(k): v for k, v in fc2.get_flop_counts()["Global"].items()}
                RESULTS["flops"].append({"model": name, "config": cfg, "attention": m.config._attn_implementation,
                                         "batch": 1, "seq": s,
                                         "params_of_this_truncated_model": m.num_parameters(),
                                         "forward_flops": sum(fwd.values()), "backward_flops": sum(bwd.values()),
                                         "forward_by_op": fwd, "backward_by_op": bwd})
                del m, loss, ids
                log("flops", name, attn)
        except Exception as e:
            RESULTS["errors"].append(f"flops {name}: {e!r}\n{traceback.format_exc()[-800:]}")
        clean()
        save()


# ---------------------------------------------------------------- kernels
def timed(fn, reps=20, warm=3):
    for _ in range(warm):
        fn()
    torch.cuda.synchronize()
    a = torch.cuda.Event(enable_timing=True)
    b = torch.cuda.Event(enable_timing=True)
    a.record()
    for _ in range(reps):
        fn()
    b.record()
    torch.cuda.synchronize()
    return a.elapsed_time(b) / reps / 1000.0


def section_kernels():
    K = RESULTS["kernels"]
    F = torch.nn.functional
    bf = torch.bfloat16
    # Attention (SDPA, causal), forward and forward+backward.
    for (b, h, hkv, s, d) in [(8, 12, 12, 2048, 64), (4, 32, 8, 2048, 64), (1, 32, 8, 4096, 128), (2, 16, 16, 8192, 128),
                              (4, 16, 16, 2048, 192), (16, 12, 12, 1024, 64)]:
        if left() < 25:
            return
        try:
            q = torch.randn(b, h, s, d, device="cuda", dtype=bf, requires_grad=True)
            k = torch.randn(b, hkv, s, d, device="cuda", dtype=bf, requires_grad=True)
            v = torch.randn(b, hkv, s, d, device="cuda", dtype=bf, requires_grad=True)
            gqa = hkv != h
            f = lambda: F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=gqa)
            tf = timed(f)
            o = f()
            g = torch.randn_like(o)
            tb = timed(lambda: torch.autograd.grad(f(), (q, k, v), g))
            K.append({"kernel": "sdpa_causal", "b": b, "heads": h, "kv_heads": hkv, "s": s, "d": d,
                      "forward_s": tf, "forward_backward_s": tb})
            del q, k, v, o, g
        except Exception as e:
            RESULTS["errors"].append(f"kernel sdpa {b},{h},{s},{d}: {e!r}")
    # Element-wise: launch overhead and bandwidth.
    for n in [1 << 10, 1 << 16, 1 << 20, 1 << 24, 1 << 27]:
        x = torch.randn(n, device="cuda", dtype=bf)
        y = torch.randn(n, device="cuda", dtype=bf)
        K.append({"kernel": "add_bf16", "elements": n, "seconds": timed(lambda: x + y, reps=50)})
        K.append({"kernel": "silu_bf16", "elements": n, "seconds": timed(lambda: F.silu(x), reps=50)})
        x32 = x.float()
        K.append({"kernel": "to_fp32", "elements": n, "seconds": timed(lambda: x.float(), reps=50)})
        K.append({"kernel": "pow_mean_fp32_rows768", "elements": n,
                  "seconds": timed(lambda: x32.view(-1, 256).pow(2).mean(-1, keepdim=True), reps=50)})
        del x, y, x32
    # Cross-entropy over the vocabulary, as HF computes it (bf16 logits -> float -> cross_entropy), fwd+bwd.
    for (t, v) in [(16384, 32000), (8192, 128256), (4096, 256000)]:
        if left() < 20:
            return
        logits = torch.randn(t, v, device="cuda", dtype=bf, requires_grad=True)
        lab = torch.randint(0, v, (t,), device="cuda")
        f = lambda: F.cross_entropy(logits.float(), lab)
        tf = timed(f, reps=5)
        tb = timed(lambda: f().backward(), reps=5)
        K.append({"kernel": "cross_entropy_fp32", "tokens": t, "vocab": v, "forward_s": tf, "forward_backward_s": tb})
        del logits, lab
        clean()
    # Fused AdamW over N parameters in tensors of 4M elements.
    for (n_tensors, dt) in [(32, torch.float32), (32, bf), (128, bf)]:
        ps = [torch.nn.Parameter(torch.randn(1 << 22, device="cuda", dtype=dt)) for _ in range(n_tensors)]
        for p in ps:
            p.grad = torch.randn_like(p)
        o = torch.optim.AdamW(ps, lr=1e-5, fused=True)
        o.step()
        K.append({"kernel": "adamw_fused", "params": n_tensors << 22, "dtype": str(dt), "tensors": n_tensors,
                  "seconds": timed(o.step, reps=10)})
        del ps, o
        clean()
    # GEMMs: fp32 without and with TF32, and skinny shapes.
    a = torch.randn(4096, 4096, device="cuda")
    torch.backends.cuda.matmul.allow_tf32 = False
    K.append({"kernel": "gemm_fp32", "m": 4096, "n": 4096, "k": 4096, "seconds": timed(lambda: a @ a, reps=10)})
    torch.backends.cuda.matmul.allow_tf32 = True
    K.append({"kernel": "gemm_tf32", "m": 4096, "n": 4096, "k": 4096, "seconds": timed(lambda: a @ a, reps=10)})
    torch.backends.cuda.matmul.allow_tf32 = False
    del a
    for (m_, n_, k_) in [(16384, 768, 768), (16384, 2048, 768), (16384, 768, 2048), (16384, 32000, 768),
                         (8192, 128256, 2048), (8192, 512, 2048), (8192, 2048, 2048), (16384, 2304, 768),
                         (4096, 64, 4096), (2048, 256, 7168), (8192, 8192, 2048), (8192, 14336, 4096)]:
        x = torch.randn(m_, k_, device="cuda", dtype=bf)
        w = torch.randn(n_, k_, device="cuda", dtype=bf)
        K.append({"kernel": "linear_bf16", "m": m_, "n": n_, "k": k_, "seconds": timed(lambda: F.linear(x, w), reps=20)})
        del x, w
    # Grouped expert GEMM, if this PyTorch has it.
    if hasattr(torch, "_grouped_mm"):
        for (e, tok, hd, ff) in [(8, 2048, 1024, 3584), (32, 512, 1024, 512), (128, 256, 2048, 768)]:
            try:
                x = torch.randn(e * tok, hd, device="cuda", dtype=bf)
                w = torch.randn(e, hd, ff, device="cuda", dtype=bf)
                offs = torch.arange(tok, e * tok + 1, tok, device="cuda", dtype=torch.int32)
                K.append({"kernel": "grouped_mm_bf16", "experts": e, "tokens_per_expert": tok, "k": hd, "n": ff,
                          "seconds": timed(lambda: torch._grouped_mm(x, w, offs=offs), reps=20)})
                del x, w
            except Exception as ex:
                RESULTS["errors"].append(f"grouped_mm: {ex!r}")
    save()


if __name__ == "__main__":
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    os.makedirs(OUT, exist_ok=True)
    sections = sys.argv[3].split(",") if len(sys.argv) > 3 else ["steps", "params", "flops", "kernels"]
    for sec in sections:
        try:
            log("section", sec)
            if sec == "steps":
                section_steps()
            elif sec == "steps2":
                section_steps(STEP_CASES_2)
            elif sec == "steps3":
                section_steps(STEP_CASES_3)
            elif sec == "flops2":
                section_flops(root, FLOP_MODELS_2, ("eager",))
            elif sec == "context":
                section_context()
            elif sec == "params":
                section_params(root)
            elif sec == "flops":
                section_flops(root)
            elif sec == "kernels":
                section_kernels()
        except Exception as e:
            RESULTS["errors"].append(f"section {sec}: {e!r}\n{traceback.format_exc()[-1500:]}")
        save()
    RESULTS["elapsed_s"] = time.time() - T0
    save()
    log("done", "errors:", len(RESULTS["errors"]))
