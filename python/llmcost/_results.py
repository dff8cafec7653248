"""Results as frozen dataclasses whose fields are the keys of the CLI's ``--format json`` documents.

Each result keeps the document it was made from: ``to_dict()`` returns it (a copy, keys in the CLI's order), equal
to what ``llmcost COMMAND --format json`` prints. Nested objects are read-only mappings and arrays are tuples. Keys a
newer library adds that this module does not name yet are kept in ``extra`` (and in ``to_dict()``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any, ClassVar, Dict, Mapping, Optional, Tuple, Type, TypeVar

__all__ = ["Result", "Params", "Flops", "Memory", "Step", "Train", "Published", "Validation", "Gpus", "Models", "Laws",
           "Fit", "Budget", "Plan", "Report", "Document"]

R = TypeVar("R", bound="Result")


def _freeze(v: Any) -> Any:
    if isinstance(v, dict):
        return MappingProxyType({k: _freeze(x) for k, x in v.items()})
    if isinstance(v, list):
        return tuple(_freeze(x) for x in v)
    return v


def _short(v: Any) -> str:
    if isinstance(v, float):
        return "%.6g" % v
    return repr(v)


class Result:
    """What every result has: to_dict(), and a repr of its main figures."""

    _summary: ClassVar[Tuple[str, ...]] = ()
    _doc: Dict[str, Any]

    @classmethod
    def _from_doc(cls: Type[R], doc: Dict[str, Any]) -> R:
        names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        kw = {k: _freeze(v) for k, v in doc.items() if k in names and k != "extra"}
        extra = {k: _freeze(v) for k, v in doc.items() if k not in names}
        obj = cls(extra=MappingProxyType(extra), **kw)  # type: ignore[call-arg]
        object.__setattr__(obj, "_doc", copy.deepcopy(doc))
        return obj

    def to_dict(self) -> Dict[str, Any]:
        """The document as the CLI prints it with --format json (a fresh copy)."""
        return copy.deepcopy(self._doc)

    def __repr__(self) -> str:
        shown = [(k, getattr(self, k)) for k in self._summary if getattr(self, k, None) is not None]
        return "%s(%s)" % (type(self).__name__, ", ".join("%s=%s" % (k, _short(v)) for k, v in shown))


Map = Mapping[str, Any]


@dataclass(frozen=True, repr=False)
class Params(Result):
    """`llmcost params`: exact parameter counts (transformers' num_parameters() for the same config)."""

    schema_version: int
    model: str
    total: int
    active: int
    non_embedding: int
    embedding: int
    components: Map
    buffers: int
    mtp: int
    mtp_with_copies: int
    largest_layer: int
    extra: Map = field(default_factory=dict)
    _summary: ClassVar[Tuple[str, ...]] = ("model", "total", "active", "non_embedding")


@dataclass(frozen=True, repr=False)
class Flops(Result):
    """`llmcost flops`: FLOPs of one training step, by component and by convention."""

    schema_version: int
    model: str
    batch: int
    seq: int
    tokens_per_step: int
    attention: str
    convention: str
    recompute_mode: str
    forward: float
    backward: float
    recompute: float
    model_flops: float
    hardware_flops: float
    per_token: float
    components: Map
    components_backward: Map
    conventions: Map
    forward_unmasked: float
    forward_causal: float
    backward_unmasked: float
    backward_causal: float
    dense_layers_forward: float
    moe_layers_forward: float
    mtp_forward: float
    elementwise_flops: float
    elementwise_bytes: float
    training: Optional[Map] = None
    extra: Map = field(default_factory=dict)
    _summary: ClassVar[Tuple[str, ...]] = ("model", "seq", "batch", "model_flops", "per_token")


@dataclass(frozen=True, repr=False)
class Memory(Result):
    """`llmcost memory`: per-GPU memory of a training step, its peak, and the fit on the GPU."""

    schema_version: int
    model: str
    seq: int
    micro_batch: int
    peak_bytes: float
    reserved_bytes: float
    components: Map
    peak_phase: str
    phases: Map
    weights_bytes: float
    gradients_bytes: float
    optimizer_bytes: float
    activations_bytes: float
    after_forward_bytes: float
    layer_activation_bytes: float
    in_flight_micro_batches: float
    stage: int
    cuda_context_bytes: float
    gpu: Optional[str] = None
    capacity_bytes: Optional[float] = None
    headroom: Optional[float] = None
    fits: Optional[bool] = None
    max_micro_batch: Optional[int] = None
    nearest_fit: Optional[Map] = None
    extra: Map = field(default_factory=dict)
    _summary: ClassVar[Tuple[str, ...]] = ("model", "seq", "micro_batch", "peak_bytes", "reserved_bytes", "gpu",
                                           "fits", "max_micro_batch")


@dataclass(frozen=True, repr=False)
class Step(Result):
    """`llmcost step`: time of one optimizer step, its breakdown, MFU and HFU, and the fit on the GPU."""

    schema_version: int
    model: str
    step_seconds: float
    tokens_per_step: float
    tokens_per_second: float
    tokens_per_second_per_gpu: float
    model_flops_per_step: float
    hardware_flops_per_step: float
    achieved_flops_per_second_per_gpu: float
    peak_flops_per_second: float
    mfu: float
    hfu: float
    components: Map
    communication_before_overlap_seconds: Map
    micro_batch_seconds: float
    micro_batches: int
    global_batch_sequences: int
    layout: Map
    tflops_per_gpu: Map
    gpu: str
    precision: str
    framework: str
    recompute: str
    attention: str
    micro_batch: int
    seq: int
    assumptions: Tuple[str, ...]
    fits: bool
    peak_bytes: float
    capacity_bytes: float
    required_bytes: float
    usable_bytes: float
    fixes: Tuple[Map, ...]
    fits_on_these_gpus_with: Optional[str] = None
    nearest_fit: Optional[Map] = None
    extra: Map = field(default_factory=dict)
    _summary: ClassVar[Tuple[str, ...]] = ("model", "gpu", "seq", "micro_batch", "step_seconds", "tokens_per_second",
                                           "mfu", "fits")


@dataclass(frozen=True, repr=False)
class Train(Result):
    """`llmcost train`: a whole run: steps, wall-clock, GPU-hours, cost, energy and CO2."""

    schema_version: int
    model: str
    gpu: str
    gpus: int
    tokens: float
    steps: float
    wall_seconds: float
    gpu_hours: float
    price_usd_per_gpu_hour: float
    cost_usd: float
    energy_kwh: Optional[float]
    co2_kg: Optional[float]
    total_flops: float
    mfu: float
    mfu_imposed: bool
    pue: float
    grid_kg_per_kwh: float
    goodput: float
    goodput_modelled: bool
    step: Map
    assumptions: Tuple[str, ...]
    fits: bool
    peak_bytes: float
    capacity_bytes: float
    required_bytes: float
    usable_bytes: float
    fixes: Tuple[Map, ...]
    fits_on_these_gpus_with: Optional[str] = None
    nearest_fit: Optional[Map] = None
    extra: Map = field(default_factory=dict)
    _summary: ClassVar[Tuple[str, ...]] = ("model", "gpu", "gpus", "tokens", "wall_seconds", "gpu_hours", "cost_usd",
                                           "mfu")


@dataclass(frozen=True, repr=False)
class Published(Result):
    """`llmcost train --published`: each published run's reported figure and llmcost's prediction."""

    schema_version: int
    published: Tuple[Map, ...]
    extra: Map = field(default_factory=dict)

    def __repr__(self) -> str:
        return "Published(%d figures)" % len(self.published)


@dataclass(frozen=True, repr=False)
class Validation(Result):
    """`llmcost validate`: every validation case, predicted against its independent reference."""

    schema_version: int
    cases: Tuple[Map, ...]
    total: int
    failed: int
    extra: Map = field(default_factory=dict)
    _summary: ClassVar[Tuple[str, ...]] = ("total", "failed")


@dataclass(frozen=True, repr=False)
class Gpus(Result):
    """`llmcost gpus`: the catalogue ("gpus") and its named price lists ("price_lists"); with price_lists=True the
    lists alone; with gpu=NAME one GPU in detail ("gpu"), after the overrides given."""

    schema_version: int
    gpus: Optional[Tuple[Map, ...]] = None
    price_lists: Optional[Tuple[Map, ...]] = None
    gpu: Optional[Map] = None
    extra: Map = field(default_factory=dict)

    def __repr__(self) -> str:
        if self.gpu is not None:
            return "Gpus(gpu=%r)" % self.gpu.get("name")
        return "Gpus(%s)" % ", ".join("%d %s" % (len(v), k) for k, v in (("gpus", self.gpus),
                                                                           ("price_lists", self.price_lists)) if v is not None)


@dataclass(frozen=True, repr=False)
class Models(Result):
    """`llmcost models`: each bundled preset with its family, model_type, total and active parameters."""

    schema_version: int
    models: Tuple[Map, ...]
    extra: Map = field(default_factory=dict)

    def __repr__(self) -> str:
        return "Models(%d presets)" % len(self.models)


@dataclass(frozen=True, repr=False)
class Laws(Result):
    """`llmcost scaling laws`: the bundled scaling laws, their constants and sources."""

    schema_version: int
    laws: Tuple[Map, ...]
    extra: Map = field(default_factory=dict)

    def __repr__(self) -> str:
        return "Laws(%s)" % ", ".join(str(l.get("name")) for l in self.laws)


@dataclass(frozen=True, repr=False)
class Fit(Result):
    """`llmcost scaling fit RUNS.csv`: the constants of L = E + A/N^alpha + B/D^beta fitted to the runs, with their
    bootstrap intervals, the N_opt exponent and the fitted law."""

    schema_version: int
    file: str
    runs: int
    huber_delta: float
    starts: int
    bootstrap: int
    confidence: float
    seed: int
    objective: float
    rms_log_residual: float
    constants: Map
    n_opt_exponent: Map
    tokens_per_param_at_1e24_flops: float
    law: Map
    extra: Map = field(default_factory=dict)
    _summary: ClassVar[Tuple[str, ...]] = ("file", "runs", "rms_log_residual", "tokens_per_param_at_1e24_flops")


@dataclass(frozen=True, repr=False)
class Budget(Result):
    """`llmcost budget`: what a budget buys: the best GPU, compute, the compute-optimal N and D of the law, loss,
    cost and wall-clock, every candidate GPU ("gpus") and every bundled law ("laws"); with model_mfu the fit of the
    MFU's job."""

    schema_version: int
    question: str
    gpu: str
    gpu_peak_flops: float
    mfu: float
    price_per_hour_usd: float
    flops_per_usd: float
    effective_flops: float
    n_params: float
    n_tokens: float
    loss: float
    tokens_per_param: float
    cost_usd: float
    gpu_hours: float
    gpu_count: int
    wall_seconds: float
    law: Map
    gpus: Tuple[Map, ...]
    laws: Tuple[Map, ...]
    budget_usd: Optional[float] = None
    budget_gpu_hours: Optional[float] = None
    target_loss: Optional[float] = None
    fits: Optional[bool] = None
    peak_bytes: Optional[float] = None
    capacity_bytes: Optional[float] = None
    required_bytes: Optional[float] = None
    usable_bytes: Optional[float] = None
    fixes: Optional[Tuple[Map, ...]] = None
    mfu_job: Optional[Map] = None
    extra: Map = field(default_factory=dict)
    _summary: ClassVar[Tuple[str, ...]] = ("question", "gpu", "n_params", "n_tokens", "loss", "cost_usd")


@dataclass(frozen=True, repr=False)
class Plan(Result):
    """`llmcost plan MODEL`: the best layouts that fit ("layouts", best first, each with the step_flags and
    memory_flags that reproduce it), the search's counts, "pareto" when asked, and "changes_that_fit" when nothing
    does. search_seconds is the search's wall-clock (the one key that differs between two equal runs)."""

    schema_version: int
    model: str
    gpu_types: Tuple[str, ...]
    gpus: int
    seq: int
    global_batch_tokens: int
    objective: str
    framework: str
    precision: str
    evaluated: int
    feasible: int
    rejected: Map
    memory_evaluations: int
    step_evaluations: int
    search_seconds: float
    threads: int
    layouts: Tuple[Map, ...]
    assumptions: Tuple[str, ...]
    tokens: Optional[float] = None
    pareto: Optional[Tuple[Map, ...]] = None
    changes_that_fit: Optional[Tuple[Map, ...]] = None
    extra: Map = field(default_factory=dict)

    def __repr__(self) -> str:
        best = self.layouts[0] if self.layouts else None
        if best is None:
            return "Plan(model=%r, gpus=%d, no layout fits, %d changes)" % (self.model, self.gpus,
                                                                              len(self.changes_that_fit or ()))
        return "Plan(model=%r, gpus=%d, best=%s tp%s pp%s dp%s, step_seconds=%s, mfu=%s)" % (
            self.model, self.gpus, best["gpu"], best["tp"], best["pp"], best["dp"], _short(best["step_seconds"]),
            _short(best["mfu"]))


@dataclass(frozen=True, repr=False)
class Report(Result):
    """`llmcost report MODEL`: the model as read, its parameters, FLOPs, memory and scaling-law sections (each the
    document of its own command without schema_version and model), and "step_cost": the step and a compute-optimal
    run (20 tokens per parameter) on the GPU under both profiles, for a job that fits."""

    schema_version: int
    model: Map
    params: Map
    flops: Map
    memory: Map
    scaling: Map
    step_cost: Map
    extra: Map = field(default_factory=dict)

    def __repr__(self) -> str:
        sc = self.step_cost
        return "Report(model=%r, gpu=%r, gpus=%s, fits=%s)" % (self.model.get("name"), sc.get("gpu"),
                                                              sc.get("layout", {}).get("gpus"), sc.get("fits"))


@dataclass(frozen=True, repr=False)
class Document(Result):
    """A document this module has no class for yet (a command a newer library added): every key in ``extra``."""

    extra: Map = field(default_factory=dict)

    def __repr__(self) -> str:
        keys = [k for k in self.extra if k != "schema_version"]
        return "Document(%s)" % ", ".join(keys[:8] + (["..."] if len(keys) > 8 else []))

    def __getattr__(self, name: str) -> Any:
        extra = object.__getattribute__(self, "extra")
        if name in extra:
            return extra[name]
        raise AttributeError(name)
