"""The Python package against the CLI: the same arguments give the same JSON (the same C core answers both), for
models of every family and every function; bad arguments raise llmcost.Error naming the argument; threads get the
single-threaded answers; results are frozen and print readably; sweep() equals the calls it stands for.

Run by tests/python_test.sh (ctest -R python) with LLMCOST_BIN (the CLI) and LLMCOST_LIBRARY (its library) set.
"""

import dataclasses
import doctest
import io
import json
import os
import subprocess
import tempfile
import threading
import unittest
from pathlib import Path

import llmcost

BIN = os.environ.get("LLMCOST_BIN", str(Path(__file__).resolve().parents[2] / "build" / "llmcost"))
ROOT = Path(__file__).resolve().parents[2]

# Twelve presets, one or more of each family the library reads: GPT-2, OPT, BLOOM (ALiBi), Falcon (parallel
# attention, MQA), LLaMA 1/3, Phi-3, Gemma 2/3 (sliding windows, soft-capping), Mixtral and Qwen3-MoE and OLMoE
# (routed experts), DeepSeek-V2-Lite (MLA + shared experts), gpt-oss (attention sinks, MoE).
MODELS = ["gpt2", "opt-125m", "bloom-560m", "falcon-7b", "llama-7b", "llama-3-8b", "phi-3-mini", "gemma-2-2b",
          "gemma-3-1b", "mixtral-8x7b", "qwen3-30b-a3b", "olmoe-1b-7b", "deepseek-v2-lite", "gpt-oss-20b"]


def flag(name):
    return "--" + name.replace("_", "-")


def cli(command, *positional, **kwargs):
    """What `llmcost COMMAND ... --format json` prints, parsed (key order kept)."""
    argv = [BIN, command, *positional]
    for k, v in kwargs.items():
        if v is True:
            argv.append(flag(k))
        elif v is not None and v is not False:
            argv += [flag(k), str(v)]
    r = subprocess.run(argv + ["--format", "json"], capture_output=True, text=True, check=False)
    if r.returncode != 0:
        raise AssertionError("%s: exit %d: %s" % (" ".join(argv), r.returncode, r.stderr))
    return r.stdout


def _flags(text):
    """`--gpu h100 --tp 2 --no-sequence-parallel` as keyword arguments: (gpu, "h100"), (tp, "2"), (sequence_parallel,
    False); a flag without a value is True."""
    words = text.split()
    i = 0
    while i < len(words):
        name = words[i][2:].replace("-", "_")
        if i + 1 < len(words) and not words[i + 1].startswith("--"):
            yield name, words[i + 1]
            i += 2
        elif name.startswith("no_"):
            yield name[3:], False
            i += 1
        else:
            yield name, True
            i += 1


class SameAsCli(unittest.TestCase):
    def assertSame(self, result, text):
        expected = json.loads(text)
        got = result.to_dict()
        self.assertEqual(got, expected)
        self.assertEqual(list(got), list(expected), "key order")
        # The library's text itself is the CLI's, to the byte.
        self.assertEqual(json.dumps(got, indent=2), json.dumps(expected, indent=2))

    def test_every_engine_for_every_family(self):
        for name in MODELS:
            with self.subTest(model=name):
                m = llmcost.load(name)
                self.assertEqual(m.name, name)
                self.assertSame(m.params(), cli("params", name))
                self.assertSame(m.flops(seq=2048, tokens="1B"), cli("flops", name, seq=2048, tokens="1B"))
                job = dict(gpus=8, zero=1, micro_batch=2, seq="2k", recompute="selective")
                self.assertSame(m.memory(**job), cli("memory", name, **job))
                self.assertSame(m.step(gpu="h100", **job), cli("step", name, gpu="h100", **job))
                self.assertSame(m.train(tokens="1B", gpu="a100", **job),
                                cli("train", name, tokens="1B", gpu="a100", **job))

    def test_finetune_params_are_the_clis(self):
        # LoRA r=16 on Llama-3-8B's q,k,v,o: 32 x (131,072 + 2 x 81,920 + 131,072) = 13,631,488 (test_finetune.c).
        m = llmcost.load("llama-3-8b")
        ft = dict(finetune="lora", lora_rank=16, lora_targets="q_proj,k_proj,v_proj,o_proj")
        r = m.params(**ft)
        self.assertSame(r, cli("params", "llama-3-8b", **ft))
        self.assertEqual(r.extra["finetune"]["trainable_params"], 13631488)
        q = dict(finetune="qlora", quant="int4", quant_group=64, lora_variant="dora", double_quant=False)
        self.assertSame(m.params(**q), cli("params", "llama-3-8b", **q))

    def test_params_framework_is_the_clis(self):
        # torchtune's QLoRA base is torchao's NF4 (always double-quantised): per Linear of n weights, one int8
        # scaler per block of 64, a 2-byte factor per 256 scalers, and 34 bytes (scaler mean, the 16-entry table):
        # Llama-3.1-8B's seven Linears a layer, 32 layers, give 109,911,488 scale bytes (derived here).
        h, kv, f = 4096, 1024, 14336
        want = 0
        for n in (h * h, h * kv, h * kv, h * h, h * f, h * f, h * f):
            blocks = -(-n // 64)
            want += blocks + 2 * -(-blocks // 256) + 34
        m = llmcost.load("llama-3.1-8b")
        q = dict(finetune="qlora", lora_targets="all-linear", framework="torchtune")
        r = m.params(**q)
        self.assertSame(r, cli("params", "llama-3.1-8b", **q))
        self.assertEqual(r.extra["finetune"]["storage"]["quant_scale_bytes"], 32 * want)
        self.assertEqual(r.extra["finetune"]["framework"], "torchtune")
        hf = m.params(finetune="qlora", lora_targets="all-linear", double_quant=True)
        self.assertNotEqual(hf.extra["finetune"]["storage"]["quant_scale_bytes"], 32 * want)

    def test_finetune_memory_step_and_report_are_the_clis(self):
        # The adapters' training arguments reach the engines as the CLI's flags do: the same documents.
        m = llmcost.load("llama-2-7b")
        ft = dict(finetune="lora", lora_targets="q_proj,v_proj", seq=1024, gpu="rtx-4090")
        for extra in [dict(), dict(lora_dropout=0.1), dict(adapter_dtype="bf16"), dict(lora_dropout=0.05, adapter_dtype="fp32")]:
            with self.subTest(**extra):
                self.assertSame(m.memory(**ft, **extra), cli("memory", "llama-2-7b", **ft, **extra))
                self.assertSame(m.step(**ft, **extra), cli("step", "llama-2-7b", **ft, **extra))
                self.assertSame(m.train(tokens="1B", **ft, **extra), cli("train", "llama-2-7b", tokens="1B", **ft, **extra))
        # bf16 adapters: x A kept in 2 bytes, r = 8 per token per adapted matrix, 2 per layer, 32 layers, 1024 tokens
        # (test_memory_finetune.c derives the engine's figure).
        mem = m.memory(**ft, adapter_dtype="bf16")
        self.assertEqual(mem.to_dict()["finetune"]["lora_activation_bytes"], 32 * 1024 * 2 * (2 * 8))
        self.assertSame(m.params(finetune="lora", adapter_dtype="bf16"),
                        cli("params", "llama-2-7b", finetune="lora", adapter_dtype="bf16"))
        q = dict(finetune="qlora", seq=1024, gpu="rtx-4090")
        r = llmcost.load("llama-3-8b").report(**q)
        self.assertSame(r, cli("report", "llama-3-8b", **q))
        self.assertEqual(len(r.extra["finetune_fit"]["cells"]), 9)
        with self.assertRaises(llmcost.Error) as e:
            m.memory(finetune="lora", lora_dropout=1)
        self.assertIn("lora_dropout", str(e.exception))

    def test_framework_profiles_and_savers_are_the_clis(self):
        # The torchtune and litgpt profiles and the memory savers' step time: memory, step and train give the CLI's
        # documents (the host-link copies, paging and hook launches in "memory_savers").
        m = llmcost.load("llama-2-7b")
        jobs = [dict(framework="torchtune", finetune="full", seq=1024, global_batch="1x1024", recompute="full", activation_offload=True,
                     chunked_loss=8, compile=True, gpu="h100"),
                dict(framework="torchtune", finetune="qlora", seq=1024, global_batch="1x1024", optimizer_in_backward=True, gpu="rtx-4090"),
                dict(framework="litgpt", finetune="lora", seq=1024, optimizer="paged-adamw", gpu="a100-40gb")]
        for job in jobs:
            with self.subTest(**job):
                self.assertSame(m.memory(**job), cli("memory", "llama-2-7b", **job))
                self.assertSame(m.step(**job), cli("step", "llama-2-7b", **job))
                self.assertSame(m.train(tokens="1B", **job), cli("train", "llama-2-7b", tokens="1B", **job))
        s = m.step(**jobs[0])
        self.assertEqual(s.extra["memory_savers"]["offload_bytes"], 32 * 2 * 4096 * 1024)  # each layer's bf16 input
        # report() takes the savers too: the CLI's document; its memory section and eager step are memory()'s and
        # step()'s, the megatron row priced without the eager savers (its "memory_savers" the flags it kept).
        for job in jobs[:2]:
            with self.subTest(report=job):
                r = m.report(**job)
                self.assertSame(r, cli("report", "llama-2-7b", **job))
                self.assertEqual(r.memory["peak_bytes"], m.memory(**job).peak_bytes)
                self.assertEqual(r.step_cost["profiles"][0]["step_seconds"], m.step(**job).step_seconds)
                self.assertEqual(r.step_cost["profiles"][1]["memory_savers"], "")
                self.assertEqual(r.extra["finetune_fit"]["memory_savers"], r.step_cost["memory_savers"])

    def test_ddp_bucket_size_is_the_clis(self):
        # h-nccl's job option: ddp_bucket_size (the CLI's --ddp-bucket-size N, Megatron-LM's): step and train give
        # the CLI's documents; refused with zero=3 as the CLI refuses it.
        m = llmcost.load("llama-2-7b")
        job = dict(gpu="h100", gpus=16, framework="megatron", ddp_bucket_size=100000000)
        self.assertSame(m.step(**job), cli("step", "llama-2-7b", **job))
        self.assertSame(m.train(tokens="1T", **job), cli("train", "llama-2-7b", tokens="1T", **job))
        default = m.step(gpu="h100", gpus=16, framework="megatron")
        self.assertNotEqual(m.step(**job).communication_before_overlap_seconds["dp_comm"],
                            default.communication_before_overlap_seconds["dp_comm"])
        with self.assertRaises(llmcost.Error) as c:
            m.step(zero=3, **job)
        self.assertTrue(str(c.exception).startswith("ddp_bucket_size with zero = 3"), str(c.exception))

    def test_moe_shared_expert_overlap_is_the_clis(self):
        # h-moe2's job option: moe_shared_expert_overlap (the CLI's --moe-shared-expert-overlap, Megatron-Core's):
        # step, train and plan give the CLI's documents; the shared expert's GEMMs hide part of the all-to-alls
        # (the traffic before overlap unchanged); refused with ep_overlap and for a model without a shared expert,
        # as the CLI refuses them, named by the argument.
        m = llmcost.load("deepseek-v2-lite")
        job = dict(gpu="h100", gpus=16, ep=16, framework="megatron", seq=4096, moe_shared_expert_overlap=True)
        self.assertSame(m.step(**job), cli("step", "deepseek-v2-lite", **job))
        self.assertSame(m.train(tokens="1T", **job), cli("train", "deepseek-v2-lite", tokens="1T", **job))
        plan = dict(gpu="h100", gpus=16, seq=4096, global_batch="1M", framework="megatron", tp=1, pp=1, ep=16,
                    zero=1, micro_batch=1, top=2, threads=1, moe_shared_expert_overlap=True)
        p = m.plan(**plan)
        self.assertEqual(p.to_dict()["layouts"], json.loads(cli("plan", "deepseek-v2-lite", **plan))["layouts"])
        self.assertIn("--moe-shared-expert-overlap", p.layouts[0]["step_flags"])
        on, off = m.step(**job), m.step(**dict(job, moe_shared_expert_overlap=False))
        self.assertLess(on.components["ep_comm"], off.components["ep_comm"])
        self.assertEqual(on.communication_before_overlap_seconds["ep_comm"],
                         off.communication_before_overlap_seconds["ep_comm"])
        with self.assertRaises(llmcost.Error) as c:
            m.step(ep_overlap=True, **job)
        self.assertTrue(str(c.exception).startswith("moe_shared_expert_overlap with ep_overlap"), str(c.exception))
        with self.assertRaises(llmcost.Error) as c:
            llmcost.load("mixtral-8x7b").step(**dict(job, ep=8))
        self.assertTrue(str(c.exception).startswith("moe_shared_expert_overlap: mixtral-8x7b has no shared expert"),
                        str(c.exception))

    def test_cp_comm_and_recompute_every_are_the_clis(self):
        # h16k's job options: cp_comm (the CLI's --cp-comm p2p|allgather|a2a) and recompute_every (--recompute-every
        # N, with recompute "full"): memory, step and train give the CLI's documents.
        m = llmcost.load("llama-3-8b")
        cp = dict(gpu="h100", seq=16384, gpus=16, tp=2, cp=2)
        ckpt = dict(gpu="a100", seq=8192, gpus=64, zero=3, recompute="full")
        jobs = [dict(cp, cp_comm="allgather"), dict(cp, cp_comm="a2a"), dict(ckpt, recompute_every=2)]
        for job in jobs:
            with self.subTest(**job):
                self.assertSame(m.memory(**job), cli("memory", "llama-3-8b", **job))
                self.assertSame(m.step(**job), cli("step", "llama-3-8b", **job))
                self.assertSame(m.train(tokens="1T", **job), cli("train", "llama-3-8b", tokens="1T", **job))
        # They reach the engines: the gathered keys and values are exposed where the ring's sends hide (the ring's
        # CP time is only its SM share here); checkpointing every 2nd layer recomputes half the layers and keeps the
        # other half whole.
        ring, gathered = m.step(**cp), m.step(cp_comm="allgather", **cp)
        # (all hidden: what shows is the SMs NCCL's sends take, 16 of the H100's 132, over the hidden time; h-nccl)
        self.assertAlmostEqual(ring.components["cp_comm"],
                               ring.communication_before_overlap_seconds["cp_comm"] * 16 / 132, delta=1e-12)
        self.assertGreater(gathered.components["cp_comm"], 0)
        self.assertSame(ring, cli("step", "llama-3-8b", cp_comm="p2p", **cp))  # p2p is the default
        every, half = m.step(**ckpt), m.step(recompute_every=2, **ckpt)
        self.assertAlmostEqual(half.components["recompute"] / every.components["recompute"], 0.5, delta=1e-12)
        self.assertGreater(m.memory(recompute_every=2, **ckpt).peak_bytes, m.memory(**ckpt).peak_bytes)
        # Refused as the CLI refuses them, named by the argument.
        with self.assertRaises(llmcost.Error) as c:
            m.step(gpu="a100", recompute_every=2)
        self.assertTrue(str(c.exception).startswith("recompute_every = 2 needs recompute = full"), str(c.exception))
        with self.assertRaises(llmcost.Error) as c:
            m.step(cp_comm="ring", **cp)
        self.assertEqual(str(c.exception), "cp_comm: 'ring' is not one of: p2p, allgather, a2a, torch")
        with self.assertRaises(llmcost.Error) as c:
            m.step(**dict(cp, cp=8, cp_comm="a2a"))
        self.assertTrue(str(c.exception).startswith("cp_comm = a2a: "), str(c.exception))

    def test_moe_dispatch_is_the_clis(self):
        # The MoE token dispatch (the CLI's --moe-dispatcher alltoall|allgather|deepep, --moe-capacity-factor CF,
        # --ep-overlap): memory, step and train give the CLI's documents. DeepSeek-V2-Lite (64 routed experts, top-6)
        # over 16 H100s in two nodes, ep 16: each token's experts span both nodes.
        m = llmcost.load("deepseek-v2-lite")
        job = dict(gpu="h100", gpus=16, ep=16, framework="megatron", seq=4096, global_batch="4M")
        jobs = [dict(job, moe_dispatcher="deepep"), dict(job, moe_dispatcher="deepep", ep_overlap=True),
                dict(job, moe_dispatcher="allgather"), dict(job, moe_capacity_factor=1.25)]
        for j in jobs:
            with self.subTest(**j):
                self.assertSame(m.memory(**j), cli("memory", "deepseek-v2-lite", **j))
                self.assertSame(m.step(**j), cli("step", "deepseek-v2-lite", **j))
                self.assertSame(m.train(tokens="1T", **j), cli("train", "deepseek-v2-lite", tokens="1T", **j))
        # deepep's step time is the CLI's number (to 1e-9 of it; the same C code: equal).
        deepep = m.step(moe_dispatcher="deepep", **job)
        want = json.loads(cli("step", "deepseek-v2-lite", moe_dispatcher="deepep", **job))["step_seconds"]
        self.assertLessEqual(abs(deepep.step_seconds - want), 1e-9 * want)
        # It reaches the step engine: DeepEP sends each token once per node it reaches, the alltoall each of its
        # top-6 slots (less traffic, all of it exposed without ep_overlap); ep_overlap hides it behind compute;
        # a capacity factor pads every expert to 1.25 x its even share (more expert work and traffic). alltoall is
        # the default.
        plain = m.step(**job)
        self.assertSame(plain, cli("step", "deepseek-v2-lite", moe_dispatcher="alltoall", **job))
        self.assertLess(deepep.components["ep_comm"], plain.components["ep_comm"])
        self.assertLess(deepep.step_seconds, plain.step_seconds)
        self.assertLess(m.step(moe_dispatcher="deepep", ep_overlap=True, **job).components["ep_comm"],
                        deepep.components["ep_comm"])
        self.assertGreater(m.step(moe_capacity_factor=1.25, **job).step_seconds, plain.step_seconds)
        # Refused as the CLI refuses them, named by the argument.
        with self.assertRaises(llmcost.Error) as c:
            m.step(moe_dispatcher="flex", **job)
        self.assertEqual(str(c.exception), "moe_dispatcher: 'flex' is not one of: alltoall, allgather, deepep")
        with self.assertRaises(llmcost.Error) as c:
            m.step(moe_dispatcher="deepep", moe_capacity_factor=1.25, **job)
        self.assertTrue(str(c.exception).startswith("moe_capacity_factor = 1.25: "), str(c.exception))
        with self.assertRaises(llmcost.Error) as c:
            llmcost.load("llama-3-8b").step(gpu="h100", moe_dispatcher="deepep")
        self.assertEqual(str(c.exception), "moe_dispatcher: llama-3-8b has no routed experts")

    def test_every_job_flag_is_documented(self):
        # Every flag of 'llmcost step --help' and 'llmcost memory --help' is a keyword memory()'s or step()'s
        # docstring names (underscored), but the output (format, help), --no-sequence-parallel (sequence_parallel=False)
        # and --course-layer (the course's one-layer question, another document: not a job keyword).
        doc = " ".join((llmcost.Model.memory.__doc__ or "", llmcost.Model.step.__doc__ or "")).replace("=", " ")
        words = set(w.strip("(),.;:\"'`") for w in doc.split())
        for command in ["step", "memory"]:
            help_text = subprocess.run([BIN, command, "--help"], capture_output=True, text=True, check=True).stdout
            options = help_text.split("\noptions:\n")[1].split("\n\n")[0]
            names = [line.split()[0][2:].replace("-", "_") for line in options.splitlines() if line.startswith("  --")]
            self.assertGreater(len(names), 40)
            missing = [n for n in names if n not in words
                       and n not in ("format", "help", "no_sequence_parallel", "course_layer")]
            self.assertEqual(missing, [], "%s flags not in the docstrings" % command)

    def test_memory_mechanisms_are_the_clis(self):
        # The job keywords docs/python.md names for the CLI's memory mechanisms and layout switches: DeepSeek-V3's
        # recipe from 'llmcost memory --help' (act_cache, recompute_modules, pipeline, ema) with bf16_grads,
        # cuda_context_gb and headroom; a 7B with micro_batches, foreach_optimizer, tp_overlap and sequence
        # parallelism off (the CLI's --no-sequence-parallel). memory and step give the CLI's documents.
        v3 = dict(gpu="h800", gpus=2048, pp=16, ep=64, zero=1, precision="fp8", framework="megatron", seq=4096,
                  global_batch="15360x4096", act_cache="fp8-tile", recompute_modules="layernorm,mla_up_proj,moe_act",
                  pipeline="dualpipe", ema="cpu", cuda_context_gb=1, headroom=0.1)
        m = llmcost.load("deepseek-v3")
        self.assertSame(m.memory(**v3), cli("memory", "deepseek-v3", **v3))
        bf16 = dict({k: v for k, v in v3.items() if k not in ("precision", "act_cache")}, precision="bf16-master",
                    bf16_grads=True)  # fp8-tile caches fp8 inputs: an fp8 recipe's
        self.assertSame(m.memory(**bf16), cli("memory", "deepseek-v3", **bf16))
        m = llmcost.load("llama-7b")
        dense = dict(gpu="h100", gpus=8, tp=2, framework="megatron", micro_batches=4, foreach_optimizer=True,
                     tp_overlap=True)
        self.assertSame(m.step(sequence_parallel=False, **dense), cli("step", "llama-7b", no_sequence_parallel=True,
                                                                      **dense))
        self.assertSame(m.memory(sequence_parallel=False, **dense), cli("memory", "llama-7b",
                                                                        no_sequence_parallel=True, **dense))
        self.assertNotEqual(m.step(sequence_parallel=False, **dense).step_seconds, m.step(**dense).step_seconds)

    def test_the_defaults_are_the_clis(self):
        # No argument at all: the model's training length, its published batch, an h100 (all said in assumptions).
        for name in ["llama-7b", "deepseek-v2-lite", "gpt2"]:
            with self.subTest(model=name):
                m = llmcost.load(name)
                self.assertSame(m.step(), cli("step", name))
                self.assertSame(m.memory(), cli("memory", name))
                self.assertSame(m.flops(), cli("flops", name))

    def test_layouts_precisions_and_gpu_overrides(self):
        cases = [
            ("llama-3.1-405b", dict(gpu="h100", framework="megatron", precision="bf16-master", tp=8, pp=16, vpp=8,
                                    gpus=16384, zero=1, seq=8192, global_batch="16M", tp_overlap=True)),
            ("deepseek-v3", dict(gpu="h800", framework="megatron", precision="fp8", pp=16, ep=64, gpus=2048, zero=1,
                                 seq=4096, global_batch="15360x4096", ep_overlap=True)),
            ("mixtral-8x7b", dict(gpu="h100", framework="megatron", tp=2, ep=4, etp=1, gpus=64, seq=4096,
                                  global_batch="4M", no_sequence_parallel=True)),
            ("llama-2-7b", dict(gpu="a100", price_list="course", pp=3, gpus=3, optimizer="adafactor")),
            ("llama-7b", dict(gpu="h100", price=3.5, peak_tflops=900, memory_gb=100, memory_bw=4000, tdp=800,
                              scaleup_bw=500, scaleup_size=16, scaleout_bw=100, attention="eager",
                              precision="amp-bf16", grad_accum=4)),
            ("llama-3-70b", dict(gpu="h100", gpus=8)),  # does not fit: the same fixes
        ]
        for name, args in cases:
            with self.subTest(model=name):
                m = llmcost.load(name)
                self.assertSame(m.step(**args), cli("step", name, **args))
        s = llmcost.load("llama-3-70b").step(gpu="h100", gpus=8)
        self.assertFalse(s.fits)
        self.assertTrue(s.fixes or s.fits_on_these_gpus_with)
        # The planner's nearest fitting layout, as the CLI names it; memory names the same one, and it fits.
        self.assertIsNotNone(s.nearest_fit)
        mem = llmcost.load("llama-3-70b").memory(gpu="h100", gpus=8)
        self.assertSame(mem, cli("memory", "llama-3-70b", gpu="h100", gpus=8))
        self.assertFalse(mem.fits)
        self.assertEqual(mem.nearest_fit["memory_flags"], s.nearest_fit["memory_flags"])
        self.assertGreaterEqual(s.nearest_fit["headroom_bytes"], 0)
        self.assertIsNone(llmcost.load("llama-3-8b").memory(gpu="h100", gpus=8, zero=3).nearest_fit)

    def test_report_is_the_clis(self):
        # Dense, MoE, MLA, and DeepSeek-V3, which fits no single GPU: the same document as `llmcost report`.
        for name, args in [("llama-7b", {}), ("mixtral-8x7b", dict(gpus=8, ep=8, zero=3)),
                           ("deepseek-v2-lite", dict(gpu="h200", seq="4k")), ("deepseek-v3", {})]:
            with self.subTest(model=name):
                r = llmcost.load(name).report(**args)
                self.assertIsInstance(r, llmcost.Report)
                self.assertSame(r, cli("report", name, **args))
        r = llmcost.load("llama-7b").report()
        # 20 tokens per parameter (Hoffmann et al. 2022) of LLaMA-7B's 6,738,415,616.
        self.assertEqual(r.step_cost["chinchilla_tokens"], 20 * 6738415616)

    def test_train_validate_published(self):
        m = llmcost.load("llama-3.1-8b")
        args = dict(tokens="15T", gpu="h100", gpus=512, tp=2, mfu=0.4, pue=1.2, grid_intensity=0.1, goodput=0.95)
        self.assertSame(m.train(**args), cli("train", "llama-3.1-8b", **args))
        self.assertSame(llmcost.published(), cli("train", published=True))
        self.assertSame(llmcost.validate(suite="parameter"), cli("validate", suite="parameter"))
        v = llmcost.validate()
        self.assertSame(v, cli("validate"))
        self.assertEqual(v.failed, 0)

    def test_load_paths_dicts_and_repo_ids(self):
        config = {"model_type": "llama", "hidden_size": 256, "intermediate_size": 688, "num_hidden_layers": 4,
                  "num_attention_heads": 8, "num_key_value_heads": 2, "vocab_size": 1000,
                  "max_position_embeddings": 1024, "tie_word_embeddings": True}
        with tempfile.TemporaryDirectory() as d:
            folder = Path(d) / "tiny"
            folder.mkdir()
            (folder / "config.json").write_text(json.dumps(config))
            from_path = llmcost.load(folder)
            from_file = llmcost.load(str(folder / "config.json"))
            from_dict = llmcost.load(config, name="tiny")
            self.assertEqual(from_path.name, "tiny")
            for m in (from_path, from_file, from_dict):
                self.assertSame(m.params(), cli("params", str(folder)))
                self.assertSame(m.step(gpu="h100"), cli("step", str(folder), gpu="h100"))
            # The notes are the assumptions the CLI prints on stderr while reading.
            r = subprocess.run([BIN, "params", str(folder)], capture_output=True, text=True, check=True)
            notes = [ln.split(": ", 3)[-1] for ln in r.stderr.splitlines() if ln.startswith("llmcost: note:")]
            self.assertEqual(list(from_path.notes), notes)
            self.assertEqual(from_path.architecture["hidden_size"], 256)
        # A preset by its Hugging Face repo id, as the CLI reads it.
        r = llmcost.load("meta-llama/Meta-Llama-3-8B")
        self.assertSame(r.params(), cli("params", "meta-llama/Meta-Llama-3-8B"))


class Errors(unittest.TestCase):
    def assertRefused(self, fn, message):
        with self.assertRaises(llmcost.Error) as c:
            fn()
        self.assertIsInstance(c.exception, ValueError)
        self.assertEqual(str(c.exception), message)
        self.assertNotIn("\n", str(c.exception))

    def test_messages_name_the_argument(self):
        m = llmcost.load("llama-7b")
        self.assertRefused(lambda: m.step(tp=3), "tp = 3 does not divide the 32 attention heads of llama-7b")
        self.assertRefused(lambda: m.step(micro_bach=2),
                           "micro_bach: not an argument of step; did you mean micro_batch?")
        self.assertRefused(lambda: m.memory(micro_batch=0), "micro_batch: '0' must be at least 1")
        with self.assertRaises(llmcost.Error) as c:
            m.step(seq="4q")
        self.assertTrue(str(c.exception).startswith("seq: ") and "4q" in str(c.exception), str(c.exception))
        self.assertRefused(lambda: m.step(precision="fp64"),
                           "precision: 'fp64' is not one of: fp32, amp-bf16, bf16, bf16-master, fp8, fp16")
        self.assertRefused(lambda: m.step(global_batch="4M", grad_accum=2), "give global_batch or grad_accum, not both")
        self.assertRefused(lambda: m.train(), 'tokens: required (e.g. tokens="15.6T")')
        self.assertRefused(lambda: m.train(tokens="1T", headroom=2), "headroom: '2' must be at most 1")
        self.assertRefused(lambda: m.memory(price_list="nosuch"),
                           "price_list: no price list 'nosuch' (known: course, course-v2)")
        with self.assertRaises(llmcost.Error) as c:
            m.step(gpu="h1000")
        self.assertTrue(str(c.exception).startswith("gpu: "), str(c.exception))
        with self.assertRaises(llmcost.Error) as c:
            llmcost.load("no-such-model")
        self.assertIn("no-such-model", str(c.exception))
        self.assertRefused(lambda: m.step(model="gpt2"), "model: given by the Model; call llmcost.load() for another")

    def test_ring_context_parallelism_over_a_shorter_window_is_refused(self):
        # Transformer Engine's p2p CP asserts that it takes no sliding window (docs/formulas.md "Context parallelism
        # and sliding windows"): the library's refusal, by its argument names; a window covering the sequence runs.
        m = llmcost.load("gemma-2-9b")
        self.assertRefused(lambda: m.step(gpus=16, cp=2, seq=8192),
                           "cp_comm = p2p: Transformer Engine's ring does not support sliding-window attention "
                           "(gemma-2-9b's 21 of 42 layers, window 4096 < seq = 8192); use cp_comm = allgather or a2a")
        self.assertGreater(m.step(gpus=16, cp=2, seq=8192, cp_comm="allgather").to_dict()["step_seconds"], 0)
        self.assertGreater(llmcost.load("mistral-7b").step(gpus=16, cp=2, seq=4096).to_dict()["step_seconds"], 0)
        plan = m.plan(gpus=16, cp=2, seq=8192, global_batch="4M", framework="megatron").to_dict()
        self.assertEqual(plan["rejected"]["layout"] + plan["rejected"]["batch"], plan["evaluated"])
        self.assertIn("cp_allgather", [c["change"] for c in plan["changes_that_fit"]])

    def test_the_cli_refuses_the_same_values(self):
        # The same rule, the CLI's flag in its message.
        r = subprocess.run([BIN, "step", "llama-7b", "--tp", "3"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--tp 3 does not divide the 32 attention heads of llama-7b", r.stderr)


class Catalogues(unittest.TestCase):
    """gpus(), models(), scaling_laws(), fit_law() and budget() against `llmcost gpus|models|scaling|budget`."""

    assertSame = SameAsCli.assertSame

    def test_gpus_models_laws(self):
        self.assertSame(llmcost.gpus(), cli("gpus"))
        self.assertSame(llmcost.gpus(price_lists=True), cli("gpus", price_lists=True))
        one = dict(gpu="h100", price=2.0, memory_gb=96, scaleup_size=16)
        g = llmcost.gpus(**one)
        self.assertSame(g, cli("gpus", **one))
        self.assertEqual(g.gpu["name"], "h100")
        ms = llmcost.models()
        self.assertSame(ms, cli("models"))
        # Every preset the models list names loads, with the total the list gives.
        by_name = {d["name"]: d for d in ms.models}
        for name in MODELS:
            self.assertEqual(by_name[name]["total"], llmcost.load(name).params().total, name)
        laws = llmcost.scaling_laws()
        self.assertSame(laws, cli("scaling", "laws"))
        # Hoffmann et al. 2022, eq. 10: E = 1.69, alpha = 0.34, beta = 0.28.
        ch = {d["name"]: d for d in laws.laws}["chinchilla"]
        self.assertEqual((ch["E"], ch["alpha"], ch["beta"]), (1.69, 0.34, 0.28))

    def test_budget_every_question(self):
        cases = [dict(dollars=5e6, price_list="course", law="course"),
                 dict(flops=1e24, law="epoch", gpu="a100,v100,t4", mfu=0.5),
                 dict(gpu_hours=1e5, gpu="h100", gpus=256),
                 dict(params="70B", tokens="1.4T", gpu="h100", gpus=2048, price=2.5),
                 dict(params="7B"), dict(tokens="1T", peak_tflops=500),
                 dict(target_loss=2.0, law="chinchilla-unrounded"),
                 dict(dollars=1e6, E=1.8, A=400, beta=0.3),
                 dict(dollars=1e6, model_mfu=True, gpu="h100", gpus=64)]
        for args in cases:
            with self.subTest(**args):
                self.assertSame(llmcost.budget(**args), cli("budget", **args))
        # C = 6ND (Kaplan et al. 2020; Hoffmann et al. 2022): the plan's compute is its N and D.
        b = llmcost.budget(flops=1e24)
        self.assertAlmostEqual(6 * b.n_params * b.n_tokens / 1e24, 1.0, places=6)
        self.assertEqual(b.question, "flops")
        self.assertIsNotNone(llmcost.budget(dollars=1e6, model_mfu=True).fits)

    def test_fit_law_recovers_the_law_it_was_given(self):
        # Runs on the Chinchilla law itself (E 1.69, A 406.4, B 410.7, alpha 0.34, beta 0.28), no noise: the fit
        # gives those constants back, and the CLI's document for the same file.
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "runs.csv"
            rows = ["N,D,loss"] + ["%g,%g,%.12g" % (n, t, 1.69 + 406.4 / n ** 0.34 + 410.7 / t ** 0.28)
                                   for n in (1e8, 3e8, 1e9, 3e9, 1e10) for t in (2e9, 1e10, 5e10, 2e11)]
            path.write_text("\n".join(rows) + "\n")
            f = llmcost.fit_law(path, bootstrap=10, seed=3)
            self.assertSame(f, cli("scaling", "fit", str(path), bootstrap=10, seed=3))
            self.assertEqual(f.runs, 20)
            for k, want in (("E", 1.69), ("A", 406.4), ("B", 410.7), ("alpha", 0.34), ("beta", 0.28)):
                self.assertAlmostEqual(f.constants[k]["value"] / want, 1.0, places=4, msg=k)
            with self.assertRaises(llmcost.Error) as c:
                llmcost.fit_law(path, confidence=1)
            self.assertEqual(str(c.exception), "confidence: must be below 1")

    def test_results_are_frozen_and_readable(self):
        b = llmcost.budget(dollars=1e6)
        with self.assertRaises(dataclasses.FrozenInstanceError):
            b.loss = 0.0
        self.assertTrue(repr(b).startswith("Budget(question='dollars', gpu="), repr(b))
        self.assertEqual(repr(llmcost.models()), "Models(%d presets)" % len(llmcost.models().models))
        self.assertTrue(repr(llmcost.scaling_laws()).startswith("Laws(chinchilla"), repr(llmcost.scaling_laws()))
        for name in ("gpus", "models", "scaling", "fit", "budget"):
            self.assertIn(name, llmcost.commands())

    def test_bad_arguments_name_themselves(self):
        cases = [(lambda: llmcost.budget(), "what budget? give dollars, flops, gpu_hours, params, tokens or target_loss"),
                 (lambda: llmcost.budget(dollars="x"), "dollars: 'x' is not a number"),
                 (lambda: llmcost.budget(dollars=1e6, mfu=1.5), "mfu: '1.5' must be at most 1"),
                 (lambda: llmcost.budget(dollars=1e6, gpus=0), "gpus: '0' must be a whole number of GPUs, at least 1"),
                 (lambda: llmcost.budget(dollars=1e6, dolars=1),
                  "dolars: not an argument of budget; did you mean dollars?"),
                 (lambda: llmcost.gpus(price=2), "overrides apply to one GPU: give gpu"),
                 (lambda: llmcost.fit_law("/nonexistent/runs.csv", bootstrap=2001),
                  "bootstrap: at most 2000 resamples")]
        for fn, message in cases:
            with self.assertRaises(llmcost.Error) as c:
                fn()
            self.assertEqual(str(c.exception), message)
        with self.assertRaises(llmcost.Error) as c:
            llmcost.budget(dollars=1e6, law="nope")
        self.assertTrue(str(c.exception).startswith("law: 'nope' is not a bundled law"), str(c.exception))
        with self.assertRaises(llmcost.Error) as c:
            llmcost.gpus(gpu="z9000")
        self.assertTrue(str(c.exception).startswith("gpu: "), str(c.exception))


class Planner(unittest.TestCase):
    """Model.plan() against `llmcost plan MODEL ... --format json`, less the search's wall-clock."""

    def assertSamePlan(self, result, text):
        expected = json.loads(text)
        got = result.to_dict()
        self.assertIsInstance(got.pop("search_seconds"), (int, float))
        expected.pop("search_seconds")
        self.assertEqual(got, expected)
        self.assertEqual(list(got), list(expected), "key order")

    def test_plans_for_every_family(self):
        # Ten presets of the families above, each on 8 GPUs with a fixed tp and pp (a short search).
        for name in ["gpt2", "opt-125m", "bloom-560m", "falcon-7b", "llama-7b", "phi-3-mini", "gemma-2-2b",
                     "mixtral-8x7b", "qwen3-30b-a3b", "deepseek-v2-lite"]:
            args = dict(gpu="h100", gpus=8, seq=2048, global_batch="1M", tp=1, pp=1, top=2, threads=1)
            with self.subTest(model=name):
                p = llmcost.load(name).plan(**args)
                self.assertSamePlan(p, cli("plan", name, **args))
                self.assertTrue(p.layouts, name)
                # The first layout's step_flags make `llmcost step` compute its step time.
                flags = p.layouts[0]["step_flags"].split()
                step = json.loads(subprocess.run([BIN, "step", name, *flags, "--format", "json"], capture_output=True,
                                                 text=True, check=True).stdout)
                self.assertEqual(step["step_seconds"], p.layouts[0]["step_seconds"])

    def test_a_finetuning_search_is_the_clis(self):
        # QLoRA fixed, the layout searched: the same document, and the best layout's flags carry the fine-tuning.
        args = dict(gpu="rtx-4090", gpus=1, seq=1024, global_batch="8x1024", finetune="qlora",
                    lora_targets="q_proj,v_proj", lora_dropout=0.05, threads=1)
        p = llmcost.load("llama-3-8b").plan(**args)
        self.assertSamePlan(p, cli("plan", "llama-3-8b", **args))
        self.assertTrue(p.layouts)
        flags = p.layouts[0]["step_flags"]
        self.assertIn("--finetune qlora", flags)
        self.assertIn("--lora-dropout 0.05", flags)
        step = json.loads(subprocess.run([BIN, "step", "llama-3-8b", *flags.split(), "--format", "json"],
                                         capture_output=True, text=True, check=True).stdout)
        self.assertEqual(step["step_seconds"], p.layouts[0]["step_seconds"])

    def test_cost_pareto_and_nothing_fits(self):
        cases = [("llama-3-70b", dict(gpu="h100,h200,a100", gpus=64, seq=8192, global_batch="4M", objective="cost",
                                      tokens="1T", price="2.5,3.5,1.5", top=3, threads=2)),
                 ("mixtral-8x7b", dict(gpus=16, global_batch="2M", tp=2, pareto=True, top=2, threads=1)),
                 ("llama-3-70b", dict(gpu="a100", gpus=2, global_batch="64x4096", threads=1))]
        for name, args in cases:
            with self.subTest(model=name, **args):
                self.assertSamePlan(llmcost.load(name).plan(**args), cli("plan", name, **args))
        p = llmcost.load("llama-3-70b").plan(gpu="a100", gpus=2, global_batch="64x4096", threads=1)
        self.assertEqual(p.layouts, ())
        self.assertEqual(p.seq, 4096)  # the length of 64x4096, not LLaMA 3's 8192
        self.assertTrue(p.changes_that_fit)
        self.assertIn("no layout fits", repr(p))

    def test_cp_comm_and_recompute_every_searches_are_the_clis(self):
        # Fixed, not searched (plan options version 6): the same document, each layout's flags carrying them.
        m = llmcost.load("llama-3-8b")
        for name, args in [("cp_comm", dict(gpu="h100", seq=16384, gpus=16, global_batch="4M", cp_comm="allgather")),
                           ("recompute_every", dict(gpu="a100", seq=8192, gpus=64, global_batch="4M", recompute="full",
                                                    recompute_every=2))]:
            with self.subTest(name):
                p = m.plan(top=3, threads=1, **args)
                self.assertSamePlan(p, cli("plan", "llama-3-8b", top=3, threads=1, **args))
                self.assertTrue(p.layouts)
                for layout in p.layouts:
                    self.assertIn(flag(name) + " ", layout["step_flags"] + " ")
                    self.assertEqual(m.step(**dict(_flags(layout["step_flags"]))).step_seconds, layout["step_seconds"])

    def test_moe_dispatch_searches_are_the_clis(self):
        # moe_dispatcher and moe_capacity_factor are fixed, not searched: the same document, each layout's flags
        # carrying them, each layout's step time what step() gives for its flags.
        m = llmcost.load("deepseek-v2-lite")
        for name, value in [("moe_dispatcher", "deepep"), ("moe_capacity_factor", "1.25")]:
            with self.subTest(name):
                args = dict(gpu="h100", gpus=16, seq=4096, global_batch="4M", framework="megatron", **{name: value})
                p = m.plan(top=3, threads=1, **args)
                self.assertSamePlan(p, cli("plan", "deepseek-v2-lite", top=3, threads=1, **args))
                self.assertTrue(p.layouts)
                for layout in p.layouts:
                    self.assertIn("%s %s " % (flag(name), value), layout["step_flags"] + " ")
                    self.assertEqual(m.step(**dict(_flags(layout["step_flags"]))).step_seconds, layout["step_seconds"])

    def test_a_power_capped_search_is_the_clis(self):
        # power_cap is the CLI's --power-cap W: every layout timed at the capped clock, its flags carrying the cap.
        args = dict(gpu="h100", gpus=8, seq=2048, global_batch="512K", top=2, threads=1)
        m = llmcost.load("llama-3.2-1b")
        p = m.plan(power_cap=500, **args)
        self.assertSamePlan(p, cli("plan", "llama-3.2-1b", power_cap=500, **args))
        full = m.plan(**args)
        # The clock under the cap, P_static + (TDP - P_static) s^3 = 500 W with P_static = 25% of 700 W.
        s = ((500 - 175) / (700 - 175)) ** (1 / 3)
        best, best_full = p.layouts[0]["step_seconds"], full.layouts[0]["step_seconds"]
        self.assertGreater(best, best_full)
        self.assertLessEqual(best, best_full / s * (1 + 1e-9))
        for layout in p.layouts:
            self.assertIn("--power-cap 500 ", layout["step_flags"])
            step = m.step(**dict(_flags(layout["step_flags"])))
            self.assertAlmostEqual(step.step_seconds / layout["step_seconds"], 1, delta=1e-9)
        self.assertEqual(m.step(gpu="h100", power_cap=500).to_dict(),
                         json.loads(cli("step", "llama-3.2-1b", gpu="h100", power_cap=500)))
        g = llmcost.gpus(gpu="h100", power_cap=500)
        self.assertEqual(g.to_dict(), json.loads(cli("gpus", gpu="h100", power_cap=500)))
        self.assertEqual(g.gpu["tdp_watts"], 500)
        self.assertAlmostEqual(g.gpu["clock_fraction"], s, delta=1e-12)
        with self.assertRaises(llmcost.Error) as c:
            m.step(gpu="h100", power_cap=800)
        self.assertEqual(str(c.exception), "power_cap: 800 W is above h100's 700 W board power: a cap can only "
                                           "lower it (--tdp sets the board power)")

    def test_bad_arguments_name_themselves(self):
        m = llmcost.load("llama-3-8b")
        for kwargs, message in [(dict(gpus=8), "global_batch: required, the tokens of one optimizer step (16M = 2^24)"),
                                (dict(global_batch="1M"), "gpus: required, the GPUs of the job"),
                                (dict(gpus=8, global_batch="1M", objective="cost"),
                                 "objective cost needs tokens, the length of the run"),
                                (dict(gpus=8, global_batch="1M", topp=3),
                                 "topp: not an argument of plan; did you mean top?")]:
            with self.assertRaises(llmcost.Error) as c:
                m.plan(**kwargs)
            self.assertEqual(str(c.exception), message)


class Threads(unittest.TestCase):
    def test_threads_get_the_single_threaded_answers(self):
        jobs = [("llama-3-8b", dict(gpu="h100", gpus=8, zero=1)), ("mixtral-8x7b", dict(gpu="h200", gpus=8, ep=8)),
                ("gpt2", dict(gpu="a100", micro_batch=8)), ("deepseek-v2-lite", dict(gpu="h100", gpus=16, zero=3)),
                ("llama-7b", dict(gpu="h100", tp=3))]  # the last one fails: its error stays on its thread

        def run(name, args):
            try:
                return llmcost.load(name).step(**args).to_dict()
            except llmcost.Error as e:
                return str(e)

        expected = [run(n, a) for n, a in jobs]
        results = {}
        barrier = threading.Barrier(8)

        def worker(i):
            barrier.wait()
            results[i] = [run(n, a) for n, a in jobs[i % len(jobs):] + jobs[:i % len(jobs)]]

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for i in range(8):
            k = i % len(jobs)
            self.assertEqual(results[i], expected[k:] + expected[:k])

    def test_every_new_function_on_threads(self):
        calls = [lambda: llmcost.budget(dollars=5e6, gpu="h100,a100").to_dict(),
                 lambda: llmcost.budget(target_loss=2.0, law="epoch").to_dict(),
                 lambda: llmcost.gpus(gpu="h200", price=3.0).to_dict(),
                 lambda: llmcost.models().to_dict(),
                 lambda: llmcost.scaling_laws().to_dict(),
                 lambda: {k: v for k, v in llmcost.load("llama-3-8b").plan(
                     gpu="h100", gpus=8, global_batch="1M", tp=1, pp=1, top=2, threads=1).to_dict().items()
                     if k != "search_seconds"}]
        expected = [c() for c in calls]
        results = {}
        barrier = threading.Barrier(6)

        def worker(i):
            barrier.wait()
            results[i] = [calls[(i + k) % len(calls)]() for k in range(len(calls))]

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for i in range(6):
            self.assertEqual(results[i], [expected[(i + k) % len(calls)] for k in range(len(calls))])


class Results(unittest.TestCase):
    def test_frozen_readable_typed(self):
        m = llmcost.load("llama-7b")
        s = m.step(gpu="h100")
        with self.assertRaises(dataclasses.FrozenInstanceError):
            s.mfu = 1.0
        self.assertTrue(repr(s).startswith("Step(model='llama-7b', gpu='h100', seq=2048, micro_batch=1, step_seconds="),
                        repr(s))
        self.assertLess(len(repr(s)), 200)
        # non-embedding = total - the token embedding, 32000 x 4096 = 131,072,000.
        self.assertEqual(repr(m.params()),
                         "Params(model='llama-7b', total=6738415616, active=6738415616, non_embedding=6607343616)")
        # LLaMA-7B: 6,738,415,616 parameters (transformers' num_parameters()).
        self.assertEqual(m.params().total, 6738415616)
        self.assertEqual(s.to_dict()["mfu"], s.mfu)
        d = s.to_dict()
        d["mfu"] = 2
        self.assertNotEqual(s.to_dict()["mfu"], 2, "to_dict() is a copy")
        self.assertTrue((Path(llmcost.__file__).parent / "py.typed").is_file())


class Sweep(unittest.TestCase):
    def test_every_combination_equals_its_call(self):
        m = llmcost.load("llama-3.2-1b")
        rows = llmcost.sweep(m, seq=[1024, 2048, 4096], micro_batch=[1, 4], gpu="h100", gpus=8)
        self.assertEqual(len(rows), 6)
        self.assertEqual([(r["seq"], r["micro_batch"]) for r in rows],
                         [(a, b) for a in (1024, 2048, 4096) for b in (1, 4)])
        for r in rows:
            one = m.step(seq=r["seq"], micro_batch=r["micro_batch"], gpu="h100", gpus=8).to_dict()
            self.assertEqual(r["step_seconds"], one["step_seconds"])
            self.assertEqual(r["components.matmul"], one["components"]["matmul"])
        # A refused combination: a row with its error, or left out.
        rows = llmcost.sweep("llama-7b", tp=[1, 3], what="memory")
        self.assertEqual(rows[1], {"tp": 3, "error": "tp = 3 does not divide the 32 attention heads of llama-7b"})
        self.assertEqual(len(llmcost.sweep("llama-7b", tp=[1, 3], what="memory", errors="skip")), 1)
        with self.assertRaises(llmcost.Error):
            llmcost.sweep("llama-7b", tp=[1, 3], what="memory", errors="raise")


class Readme(unittest.TestCase):
    def test_the_readme_session_is_true(self):
        text = (ROOT / "README.md").read_text()
        start = text.index("```python\n", text.index("<!-- python session")) + len("```python\n")
        block = text[start:text.index("```\n", start)]
        test = doctest.DocTestParser().get_doctest(block, {}, "README.md Python", "README.md", 0)
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
        out = io.StringIO()
        runner.run(test, out=out.write)
        self.assertEqual(runner.failures, 0, out.getvalue())
        self.assertGreater(runner.tries, 8)


class Example(unittest.TestCase):
    def test_the_notebook_runs(self):
        env = dict(os.environ, MPLBACKEND="Agg")
        with tempfile.TemporaryDirectory() as d:
            r = subprocess.run(["python3", str(ROOT / "examples" / "notebook.py")], cwd=d, env=env,
                               capture_output=True, text=True, timeout=600)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("cheapest", r.stdout)
            self.assertIn("compute-optimal:", r.stdout)  # the budget
            self.assertIn("Plan(model='llama-3.1-8b', gpus=64, best=h100", r.stdout)  # the planner


if __name__ == "__main__":
    unittest.main()
