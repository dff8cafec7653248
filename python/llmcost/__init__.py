"""llmcost: the cost of training a large language model, from the same C core as the ``llmcost`` command.

Every number comes from libllmcost (through ctypes): one set of formulas for the CLI and for Python, so a result's
``to_dict()`` equals what ``llmcost COMMAND ... --format json`` prints for the same arguments. Arguments are named
as the CLI's flags with underscores (``--micro-batch`` is ``micro_batch``); numbers may be given as the CLI reads
them (``seq="4k"``, ``tokens="15.6T"``, ``global_batch="15360x4096"``) or as Python numbers.

    >>> import llmcost
    >>> m = llmcost.load("llama-3-8b")
    >>> m.params().total
    8030261248
    >>> s = m.step(gpu="h100", gpus=8, seq=8192, micro_batch=1, zero=1)
    >>> round(s.mfu, 2)  # doctest: +SKIP
    0.4

Thread-safe: the library keeps no state between calls, and this package none beyond the loaded library.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from ._lib import Error, commands, library_path, request, request_text, version
from ._results import (Budget, Document, Fit, Flops, Gpus, Laws, Memory, Models, Params, Plan, Published, Report,
                       Result, Step, Train, Validation)

__version__ = "0.1.0"

__all__ = [
    "Error", "Model", "load", "gpus", "models", "validate", "published", "budget", "scaling_laws", "fit_law", "sweep",
    "request", "request_text", "commands", "library_path", "version", "Result", "Params", "Flops", "Memory", "Step", "Train",
    "Published", "Validation", "Gpus", "Models", "Laws", "Fit", "Budget", "Plan", "Report", "Document",
]

Arg = Union[str, int, float, bool, None]
ModelSpec = Union[str, "os.PathLike[str]", Mapping[str, Any], "Model"]

_CLASSES = {"params": Params, "flops": Flops, "memory": Memory, "step": Step, "train": Train,
            "validate": Validation, "gpus": Gpus, "models": Models, "scaling": Laws, "fit": Fit, "budget": Budget,
            "plan": Plan, "report": Report}


def _result(command: str, doc: Dict[str, Any]) -> Result:
    cls = _CLASSES.get(command, Document)
    if command == "train" and "published" in doc:
        cls = Published
    try:
        return cls._from_doc(doc)
    except TypeError:
        # A document without a key this module expects (another library version): still every key, in extra.
        return Document._from_doc(doc)


@dataclass(frozen=True, repr=False)
class Model:
    """A model as the library reads it: ``name``, ``origin`` (where it came from), ``notes`` (the assumptions made
    reading it, one per line) and ``architecture`` (the layers as the library reads them, the ``model`` object of
    ``llmcost report --format json``). Made by load()."""

    name: str
    origin: str
    notes: Tuple[str, ...]
    architecture: Mapping[str, Any]
    _spec: Any = field(default=None, compare=False)
    _given_name: Optional[str] = field(default=None, compare=False)

    def __repr__(self) -> str:
        return "Model(%r, origin=%r)" % (self.name, self.origin)

    def _args(self, kwargs: Mapping[str, Arg]) -> Dict[str, Any]:
        for k in ("model", "model_name"):
            if k in kwargs:
                raise Error("%s: given by the Model; call llmcost.load() for another" % k)
        args: Dict[str, Any] = {"model": self._spec}
        if self._given_name is not None:
            args["model_name"] = self._given_name
        args.update(kwargs)
        return args

    def _run(self, command: str, kwargs: Mapping[str, Arg]) -> Any:
        return _result(command, request(command, self._args(kwargs)))

    def params(self, **kwargs: Arg) -> Params:
        """Exact parameter counts by component (`llmcost params`); with fine-tuning (finetune, lora_rank,
        lora_alpha, lora_targets, lora_variant, quant, double_quant, quant_group, lora_dropout, adapter_dtype) the
        trainable and frozen parameters and their storage, in ``extra["finetune"]``; framework ("hf", "torchtune",
        "litgpt": as that framework stores the adapters and the quantised base, ``--framework``)."""
        r: Params = self._run("params", kwargs)
        return r

    def flops(self, **kwargs: Arg) -> Flops:
        """FLOPs of one training step (`llmcost flops`): seq, batch, attention ("eager", "sdpa", "flash",
        "sdpa-math", "flash2", "flash3", "cudnn", "triton", "flash4": FlashAttention-4, Blackwell GPUs only, as
        ``--attention``), recompute, convention, frozen_embedding, tokens."""
        r: Flops = self._run("flops", kwargs)
        return r

    def memory(self, **kwargs: Arg) -> Memory:
        """Per-GPU memory of a training step (`llmcost memory`): the job (seq, micro_batch, global_batch,
        grad_accum or micro_batches, precision, optimizer, recompute, attention, framework, gpus, tp, pp, vpp, dp, cp,
        ep, etp, zero, sequence_parallel (True or False: ``--sequence-parallel`` / ``--no-sequence-parallel``),
        ep_overlap, tp_overlap, headroom, cuda_context_gb), its memory mechanisms (bf16_grads, foreach_optimizer,
        act_cache "recipe" or "fp8-tile", recompute_modules "layernorm,mla_up_proj,moe_act", pipeline "1f1b" or
        "dualpipe", ema "none", "gpu" or "cpu"), its MoE token dispatch (moe_dispatcher "alltoall", "allgather" or
        "deepep": Megatron-Core's flex dispatcher on DeepEP, once per node, exposed unless ep_overlap;
        moe_capacity_factor CF: drop and pad each expert to ceil(CF x tokens x top-k / experts), alltoall only;
        moe_shared_expert_overlap=True: Megatron-Core's --moe-shared-expert-overlap, the shared expert's GEMMs beside
        the dispatch and combine all-to-alls, alltoall only, not with ep_overlap, for a model with a shared expert;
        refused for a model without routed experts), its fine-tuning (finetune "full", "lora" or "qlora", lora_rank,
        lora_alpha, lora_targets, lora_variant, quant, double_quant, quant_group, lora_dropout, adapter_dtype "auto",
        "fp32" or "bf16"), its memory savers (chunked_loss, compile, optimizer_in_backward, activation_offload),
        recompute_every (with recompute "full": every N-th layer only), cp_comm ("p2p", "allgather", "a2a", "torch"),
        ddp_bucket_size (parameters per data-parallel gradient bucket, ZeRO 0-2; default the framework's) and
        the GPU (gpu, gpu_file, price_list, price, peak_tflops, memory_gb, memory_bw, tdp, scaleup_bw, scaleup_size,
        scaleout_bw, power_cap: the board power capped at that many watts, as ``--power-cap``); max_seq=True adds
        the longest sequence that fits (``extra["max_seq"]``)."""
        r: Memory = self._run("memory", kwargs)
        return r

    def step(self, **kwargs: Arg) -> Step:
        """Time of one optimizer step (`llmcost step`): the job and GPU arguments of memory() (moe_dispatcher,
        moe_capacity_factor, moe_shared_expert_overlap, ep_overlap and tp_overlap included); power_cap=W times it at the clock a W-watt board
        power cap allows (compute-bound kernels slowed, memory-bound ones not)."""
        r: Step = self._run("step", kwargs)
        return r

    def train(self, **kwargs: Arg) -> Train:
        """A whole training run (`llmcost train`): tokens (required), mfu, pue, grid_intensity, goodput, and the
        job and GPU arguments of memory()."""
        r: Train = self._run("train", kwargs)
        return r

    def plan(self, **kwargs: Arg) -> Plan:
        """The fastest (or cheapest) layouts that fit (`llmcost plan`): gpus and global_batch (required), gpu (a
        comma list of types), price (one, or one per type), gpus_per_node, power_cap (every type's board power
        capped at that many watts: each layout timed at the capped clock, its step_flags carrying --power-cap),
        objective ("time" or "cost" with tokens), top, pareto, threads, no_ep_overlap, no_tp_overlap, and the job's arguments of step() (seq,
        micro_batch, precision, optimizer, recompute, attention, framework, tp, pp, vpp, dp, cp, ep, etp, zero,
        sequence_parallel, ep_overlap, tp_overlap, headroom): one given fixes its dimension of the search; and the
        memory mechanisms (act_cache, recompute_modules, pipeline, ema, bf16_grads, foreach_optimizer,
        cuda_context_gb), the MoE token dispatch (moe_dispatcher, moe_capacity_factor, moe_shared_expert_overlap: then
        no layout takes ep_overlap), cp_comm, recompute_every,
        the memory savers and the fine-tuning (finetune, lora_*, quant, ...) as memory() takes them: fixed, not
        searched; each layout sized and timed with it."""
        r: Plan = self._run("plan", kwargs)
        return r

    def report(self, **kwargs: Arg) -> Report:
        """Everything at once (`llmcost report`): the model, parameters, FLOPs, memory, scaling laws and the time
        and cost of a step and of a compute-optimal run on the GPU, and what fits one 24, 48 and 80 GB GPU under
        full fine-tuning, LoRA and QLoRA (``extra["finetune_fit"]``); the job and GPU arguments of memory(), its
        fine-tuning and memory savers included (chunked_loss, compile, optimizer_in_backward, activation_offload, a
        paged optimizer: in the memory section, the eager step and every fine-tuning cell; the megatron row without
        the eager ones, its ``memory_savers`` the flags it was priced with)."""
        r: Report = self._run("report", kwargs)
        return r

    def run(self, command: str, **kwargs: Arg) -> Result:
        """Any command the library answers for a model (llmcost_request_commands), by name."""
        return self._run(command, kwargs)


def load(spec: ModelSpec, name: Optional[str] = None) -> Model:
    """A model: a preset name ("llama-3-8b"), a Hugging Face repo id ("meta-llama/Llama-3.1-8B", read from the local
    cache), a path to a config.json or its folder, or a dict (a config.json's content). ``name`` names it in the
    results (a dict's default is "config"). Raises Error when the library cannot read it."""
    if isinstance(spec, Model):
        return spec
    if isinstance(spec, os.PathLike):
        spec = os.fspath(spec)
    if not isinstance(spec, (str, Mapping)):
        raise Error("model: expected a preset name, a path, a repo id or a dict, not %s" % type(spec).__name__)
    if isinstance(spec, Mapping):
        spec = dict(spec)
    args: Dict[str, Any] = {"model": spec}
    if name is not None:
        args["model_name"] = name
    doc = request("load", args)
    return Model(name=doc["name"], origin=doc["origin"], notes=tuple(doc["notes"]),
                 architecture=_result("load", doc).extra["architecture"], _spec=spec, _given_name=name)


def validate(suite: Optional[str] = None, failures: bool = False) -> Validation:
    """Every validation case against its independent reference (`llmcost validate`)."""
    r: Validation = _result("validate", request("validate", {"suite": suite, "failures": failures or None}))
    return r


def published() -> Published:
    """Published training runs and llmcost's predictions of them (`llmcost train --published`)."""
    r: Published = _result("train", request("train", {"published": True}))
    return r


def _command(command: str, kwargs: Mapping[str, Arg]) -> Result:
    return _result(command, request(command, dict(kwargs)))


def gpus(**kwargs: Arg) -> Gpus:
    """The accelerator catalogue and its price lists (`llmcost gpus`); price_lists=True: the lists alone;
    gpu=NAME: one GPU in detail, after the overrides given (price, peak_tflops, memory_gb, memory_bw, tdp,
    scaleup_bw, scaleup_size, scaleout_bw, price_list, power_cap: tdp_watts the cap, with clock_fraction); gpu_file: records merged into the catalogue."""
    r: Gpus = _command("gpus", kwargs)  # type: ignore[assignment]
    return r


def models() -> Models:
    """The bundled presets (`llmcost models`): name, family, model_type, total and active parameters."""
    r: Models = _command("models", {})  # type: ignore[assignment]
    return r


def budget(**kwargs: Arg) -> Budget:
    """What a budget buys (`llmcost budget`). One question: dollars, flops, gpu_hours, params (and/or tokens) or
    target_loss; the candidates gpu ("a100,h100"), gpus (their count), gpu_count, price, peak_tflops, price_list;
    mfu or model_mfu; the law (a bundled name or a law file) and its constants E, A, B, alpha, beta; vocab."""
    r: Budget = _command("budget", kwargs)  # type: ignore[assignment]
    return r


def scaling_laws() -> Laws:
    """The bundled scaling laws (`llmcost scaling laws`)."""
    r: Laws = _command("scaling", {})  # type: ignore[assignment]
    return r


def fit_law(runs: Union[str, "os.PathLike[str]"], **kwargs: Arg) -> Fit:
    """A scaling law fitted to the runs of a CSV file with columns N, D and loss (`llmcost scaling fit RUNS`):
    bootstrap (resamples, default 200), seed, huber_delta, confidence."""
    args: Dict[str, Any] = {"runs": os.fspath(runs)}
    args.update(kwargs)
    r: Fit = _result("fit", request("fit", args))  # type: ignore[assignment]
    return r


def _flatten(doc: Mapping[str, Any], prefix: str = "") -> Dict[str, Any]:
    row: Dict[str, Any] = {}
    for k, v in doc.items():
        if k == "schema_version" and not prefix:
            continue
        key = prefix + k
        if isinstance(v, Mapping):
            row.update(_flatten(v, key + "."))
        else:
            row[key] = v
    return row


def sweep(model: ModelSpec, what: str = "step", errors: str = "include", **kwargs: Any) -> List[Dict[str, Any]]:
    """Every combination of the list-valued arguments (lists, tuples, ranges), the others fixed, run through
    ``what`` ("step", "memory", "train", "flops", ...): one dict per combination, the swept arguments first, then
    the result's document flattened ("components.matmul"), ready for ``pandas.DataFrame``. A combination the library
    refuses gives a row with its "error" (``errors="include"``), is left out (``"skip"``) or raises (``"raise"``)."""
    if errors not in ("include", "skip", "raise"):
        raise Error("errors: '%s' is not one of: include, skip, raise" % errors)
    m = load(model)
    swept = [k for k, v in kwargs.items() if isinstance(v, (list, tuple, range))]
    fixed = {k: v for k, v in kwargs.items() if k not in swept}
    rows: List[Dict[str, Any]] = []
    values: Sequence[Iterable[Any]] = [list(kwargs[k]) for k in swept]
    for combo in itertools.product(*values):
        given = dict(zip(swept, combo))
        row: Dict[str, Any] = dict(given)
        try:
            doc = request(what, m._args({**fixed, **given}))
        except Error as e:
            if errors == "raise":
                raise
            if errors == "include":
                row["error"] = str(e)
                rows.append(row)
            continue
        row.update(_flatten(doc))
        rows.append(row)
    return rows
