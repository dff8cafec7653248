#!/usr/bin/env python3
"""families_measure.py - transformers' own parameter counts and matmul FLOPs for the model families added in
data/models (Qwen1.5-MoE, Gemma, Pythia, Phi-2, StarCoder2, StableLM 2, OLMo, GPT-J, SantaCoder, BLOOM, MPT,
Command R, Granite 3.0, Mistral NeMo), the references llmcost's counts are tested against.

Run on the device machine: python3 tools/measure/families_measure.py OUTDIR MODELS_DIR [SECONDS] [NAME,...]

  params  num_parameters() of AutoModelForCausalLM.from_config(preset config) built on the meta device, with the
          parameter counts grouped by the last two components of each parameter's module path plus the parameter's
          own name (layer indices replaced by '#'), to locate a mismatch.
  flops   torch.utils.flop_counter.FlopCounterMode around forward (with loss) and backward of each preset
          truncated to 2 layers, batch 1, seq 256, attn_implementation='eager', bf16 on the GPU; totals, by op,
          and by module (2 layers keep the module table small).

Results are written after every item (OUTDIR/families.json), so a failure or a time-out keeps what ran. The
script stops starting new items when fewer than 15 of its SECONDS (default 170) remain.
"""
import gc
import glob
import json
import os
import re
import sys
import time
import traceback

OUT = sys.argv[1] if len(sys.argv) > 1 else "."
MODELS = sys.argv[2] if len(sys.argv) > 2 else "data/models"
BUDGET = float(sys.argv[3]) if len(sys.argv) > 3 else 170.0
ONLY = sys.argv[4].split(",") if len(sys.argv) > 4 else None
T0 = time.time()
SEQ = 256
LAYERS = 2
# The presets this script measures, smallest first so a time-out loses the largest.
NAMES = ["bloom-560m", "santacoder", "pythia-1b", "olmo-1b", "stablelm-2-1.6b", "granite-3.0-2b", "phi-2",
         "starcoder2-3b", "qwen1.5-moe-a2.7b", "gpt-j-6b", "mpt-7b", "pythia-6.9b", "gemma-7b", "mistral-nemo",
         "command-r"]
RESULTS = {"what": __doc__, "env": {}, "params": [], "flops": [], "errors": []}


def left():
    return BUDGET - (time.time() - T0)


def save():
    RESULTS["elapsed_s"] = time.time() - T0
    with open(os.path.join(OUT, "families.json"), "w") as f:
        json.dump(RESULTS, f, indent=1)


def log(*a):
    print(f"[{time.time() - T0:6.1f}s]", *a, flush=True)


# Keys that name the checkpoint or the tooling, not the architecture; AutoConfig.for_model takes the rest.
NOISE = ("architectures", "auto_map", "quantization_config", "_name_or_path", "transformers_version", "torch_dtype",
         "dtype")
# Spellings of the layer count across config classes (GPT-2/GPT-J/BLOOM/GPT-BigCode n_layer, MPT n_layers).
LAYER_KEYS = ("num_hidden_layers", "n_layer", "n_layers")


def arch_config(cfg):
    """The preset's config without its noise keys, and its model_type."""
    cfg = {k: v for k, v in cfg.items() if k not in NOISE}
    return cfg.pop("model_type"), cfg


def truncated(cfg):
    """The preset's config cut to LAYERS layers (every spelling of the layer count that it uses)."""
    cfg = dict(cfg)
    found = False
    for k in LAYER_KEYS:
        if k in cfg:
            cfg[k] = LAYERS
            found = True
    if "layer_types" in cfg:
        cfg["layer_types"] = cfg["layer_types"][:LAYERS]
    if not found:
        raise ValueError("no layer-count key in " + ", ".join(sorted(cfg)))
    return cfg


def group_key(param_name):
    """'model.layers.0.self_attn.q_proj.weight' -> 'self_attn.q_proj.weight'; indices become '#'."""
    parts = param_name.split(".")
    return ".".join("#" if p.isdigit() else p for p in parts[-3:])


def grouped(named):
    """Parameter counts summed by group_key over (name, numel) pairs."""
    out = {}
    for name, n in named:
        k = group_key(name)
        out[k] = out.get(k, 0) + n
    return dict(sorted(out.items()))


def module_flops(counts, depth=6):
    """FlopCounterMode.get_flop_counts() as plain JSON: modules down to "depth" dots, ops as strings, no zeros."""
    out = {}
    for mod, ops in counts.items():
        if mod != "Global" and mod.count(".") > depth:
            continue
        d = {str(k): int(v) for k, v in ops.items() if v}
        if d:
            out[mod] = d
    return out


def load_presets():
    recs = {}
    for path in sorted(glob.glob(os.path.join(MODELS, "*.json"))):
        rec = json.load(open(path))
        recs[rec["name"]] = rec
    return recs


def main():
    import torch
    import transformers
    from transformers import AutoConfig, AutoModelForCausalLM
    from torch.utils.flop_counter import FlopCounterMode

    RESULTS["env"] = {"torch": torch.__version__, "transformers": transformers.__version__,
                      "gpu": torch.cuda.get_device_name(0), "cuda": torch.version.cuda}
    save()

    def build(cfg, device, dtype=torch.bfloat16):
        mt, kw = arch_config(cfg)
        c = AutoConfig.for_model(mt, **kw)
        c._attn_implementation = "eager"
        with torch.device(device):
            try:
                return AutoModelForCausalLM.from_config(c, dtype=dtype, attn_implementation="eager")
            except TypeError:
                return AutoModelForCausalLM.from_config(c, torch_dtype=dtype, attn_implementation="eager")

    recs = load_presets()
    names = [n for n in NAMES if n in recs and (ONLY is None or n in ONLY)]
    missing = [n for n in NAMES if n not in recs]
    if missing:
        RESULTS["errors"].append("presets not found in %s: %s" % (MODELS, ", ".join(missing)))

    for name in names:
        if left() < 15:
            RESULTS["errors"].append("params: stopped for time before " + name)
            break
        try:
            m = build(recs[name]["config"], "meta")
            named = [(n, p.numel()) for n, p in m.named_parameters()]
            bufs = {n: b.numel() for n, b in m.named_buffers()}
            RESULTS["params"].append({"model": name, "num_parameters": m.num_parameters(),
                                      "named_parameters_total": sum(n for _, n in named),
                                      "by_module": grouped(named), "buffers_total": sum(bufs.values()),
                                      "tied": bool(getattr(m.config, "tie_word_embeddings", None)),
                                      "config_class": type(m.config).__name__, "model_class": type(m).__name__})
            log("params", name, m.num_parameters())
            del m
        except Exception as e:
            RESULTS["errors"].append(f"params {name}: {e!r}\n{traceback.format_exc()[-1200:]}")
        gc.collect()
        save()

    for name in names:
        if left() < 15:
            RESULTS["errors"].append("flops: stopped for time before " + name)
            break
        m = loss = ids = None
        try:
            cfg = truncated(recs[name]["config"])
            m = build(cfg, "cuda")
            m.train()
            ids = torch.randint(0, m.config.vocab_size, (1, SEQ), device="cuda")
            fc = FlopCounterMode(display=False)
            with fc:
                loss = m(ids, labels=ids).loss
            fwd_counts = fc.get_flop_counts()
            fc2 = FlopCounterMode(display=False)
            with fc2:
                loss.backward()
            bwd_counts = fc2.get_flop_counts()
            fwd = {str(k): int(v) for k, v in fwd_counts["Global"].items()}
            bwd = {str(k): int(v) for k, v in bwd_counts["Global"].items()}
            RESULTS["flops"].append({
                "model": name, "config": cfg, "attention": m.config._attn_implementation, "batch": 1, "seq": SEQ,
                "params_of_this_truncated_model": m.num_parameters(),
                "forward_flops": sum(fwd.values()), "backward_flops": sum(bwd.values()),
                "forward_by_op": fwd, "backward_by_op": bwd,
                "forward_by_module": module_flops(fwd_counts), "backward_by_module": module_flops(bwd_counts)})
            log("flops", name, sum(fwd.values()), sum(bwd.values()))
        except Exception as e:
            RESULTS["errors"].append(f"flops {name}: {e!r}\n{traceback.format_exc()[-1200:]}")
        del m, loss, ids
        gc.collect()
        torch.cuda.empty_cache()
        save()
    log("done", "errors:", len(RESULTS["errors"]))


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    try:
        main()
    except Exception as e:
        RESULTS["errors"].append(f"main: {e!r}\n{traceback.format_exc()[-1500:]}")
    save()
