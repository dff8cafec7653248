"""A planning session as it would go in a notebook: what a budget buys, pick a model, check it fits, time a step,
let the planner find the fastest layout, cost the run, and sweep sequence length and micro-batch for the cheapest
setting that fits. Every number is libllmcost's, the same as
the CLI prints for the same arguments.

Run it from the source tree after `make`:   PYTHONPATH=python python3 examples/notebook.py
or after `make python && pip install ./python`:   python3 examples/notebook.py
With matplotlib installed it also writes sweep.png (tokens per second against sequence length).
"""

import llmcost

# 0. What $5M buys under the Chinchilla law, on the GPU giving the most FLOPs per dollar.
budget = llmcost.budget(dollars=5e6, gpu="h100,a100")
print(budget)
print("compute-optimal: %.1fB parameters on %.2fT tokens, predicted loss %.3f"
      % (budget.n_params / 1e9, budget.n_tokens / 1e12, budget.loss))

# 1. The model: a preset (a Hugging Face repo id, a config.json path or a dict work the same way).
model = llmcost.load("llama-3.1-8b")
print(model)
params = model.params()
print("parameters: %s total, %s without the embedding" % (f"{params.total:,}", f"{params.non_embedding:,}"))

# 2. Does the job fit? 64 H100s, ZeRO-1, 8k context, the published batch (the library says what it assumed).
job = dict(gpu="h100", gpus=64, zero=1, seq="8k", precision="bf16-master", framework="megatron")
mem = model.memory(**job)
print("peak %.1f GiB per GPU of %.0f GiB; fits: %s; largest micro-batch that fits: %d"
      % (mem.peak_bytes / 2**30, mem.capacity_bytes / 2**30, mem.fits, mem.max_micro_batch))

# 3. One optimizer step, and where its time goes.
step = model.step(**job)
print(step)
for name, seconds in sorted(step.components.items(), key=lambda kv: -kv[1])[:4]:
    print("  %-22s %6.1f%%" % (name, 100 * seconds / step.step_seconds))
for line in step.assumptions[:3]:
    print("  assumed:", line)

# 3b. The planner: the fastest layouts of the same job on 64 H100s, 4M tokens per step.
plan = model.plan(gpu="h100", gpus=64, seq="8k", global_batch="4M", precision="bf16-master", framework="megatron",
                  top=3)
print(plan)
for layout in plan.layouts:
    print("  tp %d pp %d dp %d cp %d ZeRO-%d micro-batch %d: %.2f s per step, MFU %.1f%%"
          % (layout["tp"], layout["pp"], layout["dp"], layout["cp"], layout["zero"], layout["micro_batch"],
             layout["step_seconds"], 100 * layout["mfu"]))
print("  llmcost step %s %s" % (model.name, plan.layouts[0]["step_flags"]))

# 4. The whole run: 15T tokens at $2.50 per GPU-hour.
run = model.train(tokens="15T", price=2.5, **job)
print("15T tokens: %.1f days, %s GPU-hours, $%s" % (run.wall_seconds / 86400, f"{run.gpu_hours:,.0f}",
                                                   f"{run.cost_usd:,.0f}"))

# 5. Sweep sequence length and micro-batch: every combination, as rows for a DataFrame.
rows = llmcost.sweep(model, what="train", tokens="15T", price=2.5, seq=[2048, 4096, 8192],
                     micro_batch=[1, 2, 4], **{k: v for k, v in job.items() if k != "seq"})
print("%6s %4s %6s %14s %12s" % ("seq", "mb", "fits", "tokens/s", "cost $"))
for r in rows:
    if "error" in r:
        print("%6s %4s refused: %s" % (r["seq"], r["micro_batch"], r["error"]))
        continue
    print("%6d %4d %6s %14s %12s" % (r["seq"], r["micro_batch"], r["fits"], f"{r['step.tokens_per_second']:,.0f}",
                                     f"{r['cost_usd']:,.0f}"))
fitting = [r for r in rows if "error" not in r and r["fits"]]
best = min(fitting, key=lambda r: r["cost_usd"])
print("cheapest that fits: seq %d, micro-batch %d: $%s" % (best["seq"], best["micro_batch"], f"{best['cost_usd']:,.0f}"))

# 6. A plot, where matplotlib is installed.
try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("(matplotlib not installed: no plot)")
else:
    fig, ax = plt.subplots()
    for mb in (1, 2, 4):
        pts = [(r["seq"], r["step.tokens_per_second"]) for r in rows if r["micro_batch"] == mb and "error" not in r]
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label="micro-batch %d" % mb)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("sequence length")
    ax.set_ylabel("tokens per second")
    ax.set_title("%s on %d x %s" % (model.name, job["gpus"], job["gpu"]))
    ax.legend()
    fig.savefig("sweep.png")
    print("wrote sweep.png")
