/* internal.h - helpers shared inside the library: error reporting and checked arithmetic. Not installed. */
#ifndef LLMCOST_INTERNAL_H
#define LLMCOST_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "llmcost/common.h"
#include "llmcost/flops.h"
#include "llmcost/model.h"

/* Records a printf-style message for llmcost_errmsg() and returns "code" (a negative LLMCOST_E*). */
int lc_fail(int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/*
 * A Hugging Face cache folder: "dir" is models--ORG--NAME/ (its newest snapshot holding a config.json is read) or
 * models--ORG--NAME/snapshots/REV/. Returns 1 with that config.json in "path" and "ORG/NAME" in "repo", 0 when
 * "dir" is not such a folder, or a negative LLMCOST_E* code (names.c).
 */
int lc_hf_cache_config(char *path, size_t size, char *repo, size_t rsize, const char *dir);

/* 0 when an options struct's "got" version is the library's "want"; else LLMCOST_EINVAL with a message naming
 * "type" (e.g. "llmcost_step_options") and its "init" function. */
int lc_check_version(unsigned int got, unsigned int want, const char *type, const char *init);

/* Checks "opts"->version against LLMCOST_<NAME>_VERSION; "type" is the struct's name without "llmcost_". */
#define LC_CHECK_VERSION(opts, NAME, type)                                                                        \
    lc_check_version((opts)->version, LLMCOST_##NAME##_VERSION, "llmcost_" #type, "llmcost_" #type "_init")

/* One-time set-up of the bundled tables (each under pthread_once; every entry point that reads a table calls its
 * set-up itself, so these only matter to llmcost_init()). 0, or the error a broken bundled file gave. */
int lc_presets_init(void);
int lc_gpu_init(void);
int lc_laws_init(void);
int lc_kernels_init(void);

/* Attention run by PyTorch's math SDPA backend (every pair as fp32 batched GEMMs, the probabilities kept): named
 * (sdpa-math), or SDPA's fallback for a model whose keys it cannot fuse (Falcon-7B's broadcast multi-query keys). */
static inline bool lc_attn_math(llmcost_attn_impl impl, const llmcost_attention *a)
{
    return impl == LLMCOST_ATTN_SDPA_MATH || (impl == LLMCOST_ATTN_SDPA && a && a->sdpa_unfused);
}

/* How llmcost_request() and llmcost_job_spec_set() read a value given as text: the CLI's option kinds and rules
 * (src/cli/opts.c), messages naming "name". Stores into a bool (flag), const char * (text, kept by pointer), long long
 * (size: k/M/G binary; count: K/M/B/T decimal; nonneg: >= 0), double (real: > 0; fraction: (0, 1]), int (choice:
 * the index in "choices"; tristate: 0 or 1). 0 or LLMCOST_EINVAL (job_spec.c). */
typedef enum {
    LC_V_FLAG, LC_V_TEXT, LC_V_SIZE, LC_V_COUNT, LC_V_NONNEG, LC_V_REAL, LC_V_FRACTION, LC_V_CHOICE, LC_V_TRISTATE
} lc_value_kind;
int lc_read_value(void *dest, int k, const char *name, const char *v, const char *const *choices);

/* Checked int64 arithmetic: return false on overflow, leaving *out unchanged. */
static inline bool lc_mul(int64_t *out, int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_mul_overflow(a, b, &r))
        return false;
    *out = r;
    return true;
}

static inline bool lc_add(int64_t *out, int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_add_overflow(a, b, &r))
        return false;
    *out = r;
    return true;
}

/* Checked arithmetic that remembers any overflow instead of failing at each step (the parameter counts). */
typedef struct {
    bool overflow;
} lc_ck;

static inline int64_t lc_ck_mul(lc_ck *c, int64_t a, int64_t b)
{
    int64_t r = 0;
    if (!lc_mul(&r, a, b))
        c->overflow = true;
    return r;
}

static inline int64_t lc_ck_add(lc_ck *c, int64_t a, int64_t b)
{
    int64_t r = 0;
    if (!lc_add(&r, a, b))
        c->overflow = true;
    return r;
}

/* The layout rules of llmcost_job_validate (job.c), shared with llmcost_layout_resolve. */
struct llmcost_layout;
struct llmcost_model;
int lc_layout_check(struct llmcost_layout *l, const struct llmcost_model *m);
/* A model's distinct decoder layers (the memory engine's prepared form): the first layer of each, in layer order,
 * and whether any has routed experts. The checks below then visit each distinct layer once, with the same
 * verdicts and messages as llmcost_job_validate (equal layers pass or fail alike, and the first failing layer is
 * the first of its kind). */
typedef struct lc_layer_digest {
    const int32_t *rep;
    size_t nrep;
    bool moe;
} lc_layer_digest;
int lc_layout_check_digest(struct llmcost_layout *l, const struct llmcost_model *m, const lc_layer_digest *d);
/* LLMCOST_EUNSUPPORTED when context parallelism "cp" > 1 would split a state-space mixer's scan; 0 otherwise. */
int lc_cp_check(const struct llmcost_model *m, int64_t cp);
/* The layers whose sliding window is shorter than "seq" (count; the first one's window in *window), and the refusal
 * of ring context parallelism (cp_comm p2p or torch, cp > 1) over them (job.c). */
int64_t lc_windowed_layers(const struct llmcost_model *m, int64_t seq, int64_t *window);
int lc_cp_window_check(const struct llmcost_model *m, int cp_comm, int64_t cp, int64_t seq);
struct llmcost_job;
int lc_job_validate_digest(struct llmcost_job *j, const struct llmcost_model *m, const lc_layer_digest *d);
/* LLMCOST_EUNSUPPORTED naming "engine" when the job fine-tunes with adapters (LoRA, QLoRA) or uses a memory saver,
 * which the planner's search (memory options, no adapters, no savers) does not model yet; 0 otherwise. For every path that would cost a job's
 * memory as pre-training's. */
int lc_job_refuse_adapters(const struct llmcost_job *j, const char *engine);
/* Does job "j" use a memory saver (job.h version 4, or a paged optimizer)? (lc_job_refuse_adapters refuses them
 * for the engines that do not take them.) */
bool lc_job_has_savers(const struct llmcost_job *j);
/* The job's MoE implementation (moe_dispatcher, moe_capacity_factor: a Megatron-Core dispatcher, a capacity factor
 * >= 0, only for a model with routed experts under framework megatron), as llmcost_job_validate checks it. */
int lc_job_moe_impl_check(const struct llmcost_job *j, const struct llmcost_model *m);
/* The job's moe_shared_expert_overlap (version 6) as llmcost_job_validate checks it: Megatron-Core's, with the
 * alltoall dispatcher, without ep_overlap, for a model with a shared expert. */
int lc_job_shared_overlap_check(const struct llmcost_job *j, const struct llmcost_model *m);
/* The job's memory savers (version 4) as llmcost_job_validate checks them before any layout rule: chunks at least 0
 * and at most the micro-batch's tokens, the savers under the eager profiles (hf, torchtune) only. */
int lc_job_savers_check(const struct llmcost_job *j);
/* The first memory saver set among these fields, as its job key names it ("chunked_loss", "optimizer_in_backward",
 * "activation_offload", "compile = true"), or NULL when none is: what a refusal of the savers names. */
const char *lc_saver_given(int64_t chunked_loss, bool optimizer_in_backward, bool activation_offload, bool compile);
/* The Linear-shaped matrices of a decoder layer (finetune.c): role (llmcost_lora_role), inputs, outputs, and how
 * many such matrices the layer has (the routed experts). At most 24 a layer. */
typedef struct lc_ft_mat {
    int role;
    int64_t in, out, count;
} lc_ft_mat;
struct llmcost_layer;
struct llmcost_finetune;
int lc_ft_layer_mats(lc_ft_mat *out, const struct llmcost_model *m, const struct llmcost_layer *l);
/* A model's Hugging Face Linear module names per adapter role (llmcost_lora_role: NULL where the family has no
 * such nn.Linear) and PEFT's default LoRA targets (a role mask; 0: PEFT has none), part of the architecture's
 * description (arch.c's type rows); lc_arch_lora_names gives the row of "m", NULL when llmcost does not know its
 * modules (an unknown model_type read as a Llama-style decoder). */
#define LC_LORA_ROLES 32 /* LLMCOST_LR_COUNT (finetune.h), checked where the names are defined */
typedef struct lc_lora_names {
    const char *name[LC_LORA_ROLES];
    uint32_t peft_default;
    uint32_t peft_refuses; /* roles PEFT refuses as targets on the type (_check_lora_target_modules_mamba: out_proj on
                              the types whose fused Mamba kernel reads its weight) */
} lc_lora_names;
/* Does a fused kernel of one of "m"'s mixers read the weight of role "r" itself in training, bypassing its
 * nn.Linear module (mamba_inner_fn: x_proj, dt_proj and out_proj; mamba_split_conv1d_scan_combined: out_proj)? An
 * adapter on it would never run, bitsandbytes' packed copy of it cannot be read by the kernel (such matrices stay in
 * 16 bits), and the kernel's backward computes its weight gradient whether it trains or not. */
bool lc_ft_kernel_read(const struct llmcost_model *m, int r);
/* The matrices given adapters under "ft" per role, every role (LLMCOST_LR_COUNT entries into "matrices"); 0, or a
 * failure of llmcost_finetune_count. */
int lc_ft_count_roles(int64_t *matrices, const struct llmcost_model *m, const struct llmcost_finetune *ft);
/* Is role "r" of "m" stored quantised under quantisation "q" (llmcost_quant; finetune.c's rule)? */
bool lc_ft_role_quantised(const struct llmcost_model *m, int q, int r);
const lc_lora_names *lc_arch_lora_names(const struct llmcost_model *m);
/* The roles of "m" whose module name also names a module of its routed experts that is no nn.Linear (Granite 4.0:
 * block_sparse_moe.input_linear and output_linear, ParallelExperts, beside shared_mlp's): PEFT matches target names
 * by suffix and raises "Target module ... is not supported" on such a module. 0 for most types. */
uint32_t lc_arch_lora_name_clash(const struct llmcost_model *m);
/* Why adapters on "m" are refused where its type has no module names but the reason is known (Zamba2); NULL
 * otherwise. */
const char *lc_arch_lora_refusal(const struct llmcost_model *m);
/* Is the matrix of role "r" stored quantised under "ft" (QLoRA: finetune.c's rule)? */
bool lc_ft_quantised(const struct llmcost_model *m, const struct llmcost_finetune *ft, int r);
/* Is the head quantised too (LitGPT's QLoRA: Fabric's BitsandbytesPrecision replaces every nn.Linear), under the
 * framework profile "framework" (llmcost_framework)? lc_ft_count_head folds it into a llmcost_finetune_count result
 * (its weights out of the dense ones, into the quantised ones); 0, or a failure. */
struct llmcost_finetune_params;
bool lc_ft_head_quantised(const struct llmcost_model *m, const struct llmcost_finetune *ft, int framework);
int lc_ft_count_head(struct llmcost_finetune_params *fp, const struct llmcost_model *m, const struct llmcost_finetune *ft,
                     int framework);
/* Bytes per adapter parameter of job "j" (weights, gradients, optimizer states; llmcost_param_bytes): the adapters
 * train in their dtype with no master copy, the fp32 (4) or pure bf16 (2) recipe with the job's optimizer, from
 * finetune.adapter_bytes, else PEFT's fp32 under hf, else the job's own recipe (megatron). One rule for the memory
 * and step engines. */
struct llmcost_param_bytes;
void lc_ft_adapter_param_bytes(struct llmcost_param_bytes *out, const struct llmcost_job *j);
/* LLMCOST_EUNSUPPORTED naming what of "m" the memory engine does not model yet (llmcost_model_unmodelled), or 0. */
int lc_memory_check_model(const struct llmcost_model *m);
/* Stage "stage" of the pipeline split (llmcost_pipeline_split): its first layer and its layer count. */
void lc_stage_range(int64_t n_layers, int64_t pp, int64_t stage, int64_t *first, int64_t *count);

/* llmcost_params_count with each layer's counts given: layer i's are lps[cls[i]], each made by
 * llmcost_params_layer without overflow (the memory engine's distinct layers). The same result and errors. */
struct llmcost_params;
struct llmcost_layer_params;
int lc_params_count_classes(struct llmcost_params *out, const struct llmcost_model *m, const int32_t *cls,
                            const struct llmcost_layer_params *lps);
/* The weights of the model's shared transformer blocks (Zamba2), counted once: matrices (attention and MLP, which
 * tensor parallelism splits) and norms; 0 and 0 for a model without them. */
int lc_params_shared_blocks(double *matmul, double *norms, const struct llmcost_model *m);

/* The first control character of "s" (C0 below 0x20, DEL, or a C1 control U+0080-U+009F in UTF-8), or NULL. */
const char *lc_control_char(const char *s);

/* Copies "src" into "dst" of "size" bytes as one line: newline, tab and other control characters escaped
 * ("\\n", "\\x1b"); truncated to fit, always terminated. Returns false when it was cut. */
bool lc_one_line(char *dst, size_t size, const char *src);

/* Plausible ranges (ranges.c, ranges.h). lc_range: 0 when "v" is inside the range of "field", else LLMCOST_EINVAL
 * with "WHO = V is outside the plausible range ..." ("who" NULL: the field's name). lc_range_ok/lc_range_fail: the
 * same in two steps, for a reader that names the key its own way. */
struct llmcost_range;
bool lc_range_ok(const struct llmcost_range *r, double v);
int lc_range_fail(const struct llmcost_range *r, const char *who, double v);
int lc_range(const char *field, const char *who, double v);
/* The ranges by index, in the table's order (ranges.c), for the checks on hot paths (no name lookup). */
enum lc_range_id {
    LC_R_PEAK_TFLOPS,
    LC_R_MEMORY_GB,
    LC_R_MEMORY_BW_GBPS,
    LC_R_TDP_WATTS,
    LC_R_EXP_TOPS,
    LC_R_SCALEUP_GBPS,
    LC_R_SCALEOUT_GBPS,
    LC_R_USD_PER_HOUR,
    LC_R_TOKENS,
    LC_R_PRICE_PER_HOUR,
    LC_R_MFU,
    LC_R_PUE,
    LC_R_GRID_KG_PER_KWH,
    LC_R_POWER_FRACTION,
    LC_R_GOODPUT,
    LC_R_CHECKPOINT_GBPS,
    LC_R_CHECKPOINT_INTERVAL,
    LC_R_WARMUP_SECONDS,
    LC_R_HEADROOM,
    LC_R_CUDA_CONTEXT_BYTES,
    LC_R_CAPACITY_BYTES,
    LC_R_COMM_SCALEUP_EFFICIENCY,
    LC_R_COMM_SCALEOUT_EFFICIENCY,
    LC_R_COMM_SCALEUP_LATENCY,
    LC_R_COMM_SCALEOUT_LATENCY,
    LC_R_DOLLARS,
    LC_R_GPU_HOURS,
    LC_R_FLOPS,
    LC_R_N_PARAMS,
    LC_R_N_TOKENS,
    LC_R_LOSS,
    LC_R_LAW_E,
    LC_R_LAW_A,
    LC_R_LAW_B,
    LC_R_LAW_ALPHA,
    LC_R_LAW_BETA,
    LC_R_LAW_N_C,
    LC_R_LAW_D_C,
    LC_R_LAW_ALPHA_N,
    LC_R_LAW_ALPHA_D,
    LC_R_DESIGN_ASPECT,
    LC_R_DESIGN_TOLERANCE,
    LC_R_COUNT
};
/* lc_range by index; lc_range_get: the range of an index. */
int lc_range_id(int id, const char *who, double v);
const struct llmcost_range *lc_range_get(int id);

/* 0 when the "n" derived figures "v" (named "names") are finite; else LLMCOST_EOVERFLOW "WHAT: NAME is an overflow,
 * not a finite number (from CAUSE)", "cause" naming the inputs the figure comes from. */
int lc_finite(const char *what, const double *v, const char *const *names, int n, const char *cause);

/* Copies "src" into "dst" of "size" bytes, always terminating. Returns false when "src" did not fit (dst holds
 * its cut start): a caller copying text into a public char[] field reports that, never prints the cut text. */
bool lc_strlcpy(char *dst, const char *src, size_t size);

/* lc_strlcpy into a public char[] field, failing (LLMCOST_EINVAL) when "src" does not fit, with a message naming
 * "what" (the key or field), the text's length and the room. */
int lc_text_set(char *dst, size_t size, const char *src, const char *what);

/*
 * The step engine with a per-thread memo (step.c), for the planner: llmcost_step_compute_prepared's answers to the
 * last digit, reusing the previous call's timed ops when everything they read is unchanged (the prepared shape,
 * GPU, tp, cp, ep, expert tp, sequence parallelism, precision, framework, attention kernel) and its stages through
 * the launch model when pp is unchanged too, and GEMM times while the GPU is unchanged. One memo per thread.
 * "opt" must be a job llmcost_job_validate accepts, its layout resolved (gpus and dp set): it is not validated
 * again (the planner passes only layouts the memory engine's validation of the same job accepted).
 */
struct llmcost_step;
struct llmcost_step_prepared;
struct llmcost_gpu;
struct llmcost_step_options;
typedef struct lc_step_memo lc_step_memo;
/* The modelled run's wall-clock (train.c; the planner prices its layouts with it too): "useful" seconds of steps
 * on "gpus" GPUs, slowed by interruptions at Llama 3's rate, paused by checkpoint saves of "state_bytes" at
 * "ckpt_gbps" GB/s per GPU every "interval" seconds of training (0: Young's optimum), after a one-time warm-up of
 * "warmup" seconds (0: the default). */
typedef struct lc_run_time {
    double failure_goodput, checkpoint_bytes, checkpoint_seconds, interval, checkpoints, warmup, wall;
} lc_run_time;
void lc_run_time_modelled(lc_run_time *r, double useful, int64_t gpus, double state_bytes, double ckpt_gbps,
                          double interval, double warmup);
/* Bytes of one checkpoint of model "m" under the step's recipe "s": weights, fp32 master and optimizer states of
 * every parameter (gradients are not saved); under "job"'s adapters (LoRA, QLoRA; job NULL: none) the adapters'
 * alone, in their dtype with their optimizer states (the frozen base is not saved); 0 and LLMCOST_EOVERFLOW when
 * the count overflows. */
struct llmcost_step;
int lc_checkpoint_bytes(double *out, const struct llmcost_model *m, const struct llmcost_step *s,
                        const struct llmcost_job *job);

/* Exposed seconds of overlapped communication (step.c, docs/formulas.md "Overlap"): TP collectives of "comm"
 * seconds behind GEMMs of "gemm" seconds under Transformer Engine's userbuffers, and a layer's all-to-alls behind
 * its compute under DeepSeek-V3's DualPipe, each with the SMs the communication kernels take from "units". */
double lc_tp_overlap_exposed(double comm, double gemm, double tp, double units);

/* The fraction of a link's plateau bandwidth NCCL reaches when one rank sends "link_bytes" over it in a collective,
 * from the GPU's measured bus-bandwidth curve (data/calibration/nccl_busbw.json; comms.c), 1 without one. */
double lc_comm_size_fraction(const struct llmcost_gpu *gpu, bool scaleout, double link_bytes);
double lc_ep_overlap_exposed(double a2a, double compute, double units);
/* Bytes per value of an FP8 dispatch: an e4m3 byte and one fp32 scale per 128 values (DeepSeek-V3 §3.3.1's 1x128
 * tiles; DeepEP's dispatch takes x_scales [num_tokens, hidden // 128] float32 beside the float8_e4m3fn values, and
 * its tests/legacy/test_internode.py counts fp8_factor = (1 + 4/128)/2 of the bf16 bytes). */
#define LC_FP8_DISPATCH_BYTES (1.0 + 4.0 / 128)
/* Whether the EP dispatch direction goes in FP8 (DeepSeek-V3's stack under --precision fp8; step.c). */
bool lc_moe_fp8_dispatch(const struct llmcost_step_options *o);

/* Context-parallel ring attention's exposed seconds (step.c, docs/formulas.md "Overlap"): cp - 1 transfers of
 * "step" seconds, each behind one ring step of the attention's "attn" seconds (attn / cp per step); the hidden sends
 * charged NCCL's SMs of "units" (0: not charged). */
double lc_cp_ring_exposed(double step, double attn, double cp, double units);
/* The CP ring's attention over one pass (step.c, docs/formulas.md "Context-parallel implementations"): per ring
 * step one kernel on the load-balanced (s/cp)-query block, the diagonal causal, the others half work, each at its own
 * shape's efficiency; the slower rank's sum, diag + (cp - 1) max(A, B). "ch" is an lc_attn_choice (kernels.h). */
struct lc_attn_choice;
double lc_cp_ring_attention_seconds(const struct lc_attn_choice *ch, const struct llmcost_gpu *g, double peak,
                                    double heads, double s, double cp, double dq, double dv, bool bwd);
/* The ring's element-wise merges per pass, the slower of ranks 0 and cp - 1 (step.c): Transformer Engine's per-step
 * log-sum-exp and output corrections and gradient adds ("torch" false) or PyTorch's _SDPAMerger and fp32 gradient
 * accumulation ("torch" true); "heads", "kvh" query and key/value heads x micro-batch on the GPU, e activation bytes;
 * "launches" (may be NULL) gets the slower rank's kernel count. */
double lc_cp_ring_correction_seconds(const struct llmcost_gpu *g, double heads, double kvh, double s, double cp,
                                     double dq, double dk, double dv, double e, bool torch, bool bwd,
                                     double *launches);
/* Transformer Engine's all-gather CP attention per pass (step.c): each rank's two chunks as two kernels at their own
 * shapes (h = s/(2cp) queries against the gathered keys each sees, "window" keys at most, 0 none) and their copies;
 * the slowest rank's. */
double lc_cp_allgather_attention_seconds(const struct lc_attn_choice *ch, const struct llmcost_gpu *g, double peak,
                                         double heads, double kvh, double s, double cp, int64_t window, double dq,
                                         double dk, double dv, double e, bool bwd);
/* Context parallelism's attention buffers (memory.c; docs/formulas.md "Context-parallel memory, kernels and windows"),
 * in bytes, for the most loaded of c CP ranks holding T tokens each, t TP ranks, e activation bytes; cp_comm an
 * llmcost_cp_comm. "kept": saved for backward beyond the single-GPU kernel's tensors; "fwd", "bwd": held beyond the
 * saved tensors at the CP function's forward and backward high points. */
typedef struct {
    double kept, fwd, bwd;
} lc_cp_attn_bytes;
struct llmcost_attention;
lc_cp_attn_bytes lc_cp_attention_bytes(const struct llmcost_attention *a, int cp_comm, double c, double T, double t,
                                       double e);
/* Pipeline sends of "send" seconds, "n" of them, each behind 1/n of "compute" seconds (Megatron's overlap_p2p_comm
 * under the interleaved schedule); without overlap all n are exposed. The hidden sends charged NCCL's SMs of
 * "units". */
double lc_pp_p2p_exposed(double send, double compute, double n, bool overlap, double units);
/* Bucketed gradient reduction's exposed seconds (step.c, docs/formulas.md "Overlap"): nb buckets, each full one
 * "share" of the gradients and reduced in c_full seconds, the last (the remainder) in c_last, each reduced once
 * backward ("bwd" seconds, even over the gradients) has produced it, one after another; the hidden part charged
 * the SMs NCCL's kernels take of "units". */
double lc_dp_bucket_exposed(double bwd, double nb, double share, double c_full, double c_last, double units);

/* Expected distinct units (nodes or ranks: "units" contiguous blocks of the E experts) among one token's K experts
 * under group-limited routing (G groups, the best M of them; G = M = 1: unrestricted); comms.c. */
double lc_moe_expected_units(int64_t E, int64_t K, int64_t G, int64_t M, int64_t units);
struct llmcost_comm_cost;
struct llmcost_comm_group;
struct llmcost_comm_options;
/* DeepSeek-V3's node-forwarded all-to-all (§3.2.2): per rank, token_bytes x nodes_reached x (m-1)/m over the network,
 * token_bytes x ranks_reached through the NVLink leg (the rank's own copy included, as DeepEP's kernels and its
 * measured NVLink ceiling count it), the slower leg's time plus a latency step on each. */
/* --moe-shared-expert-overlap (src/step.c): a MoE layer's four all-to-alls (disp, comb seconds each way) exposed
 * beside its shared expert's GEMMs se = {fc1 fwd, fc2 fwd, fc1 bwd, fc2 bwd}, on a GPU of "units" SMs. */
double lc_shared_overlap_exposed(double disp, double comb, const double se[4], double units);
int lc_comm_forwarded_a2a(struct llmcost_comm_cost *out, const struct llmcost_gpu *gpu, double token_bytes,
                          double nodes_reached, double ranks_reached, const struct llmcost_comm_group *g,
                          const struct llmcost_comm_options *opt);

int lc_step_memo_new(lc_step_memo **out);
void lc_step_memo_free(lc_step_memo *mm);
/* The caller promises that the GPU records it passes do not change while "mm" lives (the planner's options during
 * a search): a record the memo has checked is then known again by its address, not compared field by field. */
void lc_step_memo_fixed_gpus(lc_step_memo *mm);
int lc_step_compute_memo(struct llmcost_step *out, const struct llmcost_step_prepared *prep,
                         const struct llmcost_gpu *gpu, const struct llmcost_step_options *opt, lc_step_memo *mm);
/* Fine-tuning through the prepared engines (the planner): llmcost_step_prepare with the job's finetune "ft" (NULL:
 * none), resolved once, so that each llmcost_step_compute_prepared / lc_step_compute_memo of the prepared step times
 * the adapters as llmcost_job_step does; llmcost_memory_compute_prepared with "ft" as llmcost_job_memory sizes it. */
struct llmcost_finetune;
struct llmcost_memory;
struct llmcost_memory_prepared;
struct llmcost_memory_options;
int lc_step_prepare_finetune(struct llmcost_step_prepared **out, const struct llmcost_model *m,
                             const struct llmcost_step_options *opt, const struct llmcost_finetune *ft);
int lc_memory_compute_prepared_finetune(struct llmcost_memory *out, const struct llmcost_memory_prepared *p,
                                        const struct llmcost_memory_options *o, const struct llmcost_finetune *ft);
/* "o" at each of the n (1-4) ZeRO stages zeros[]: out[k] and rcs[k] as lc_memory_compute_prepared_finetune gives
 * them for o with layout.zero = zeros[k], the layer walk shared; returns 0, or a failure that is not a refusal. */
int lc_memory_compute_prepared_zeros(struct llmcost_memory *out, int *rcs, const struct llmcost_memory_prepared *p,
                                     const struct llmcost_memory_options *o, const struct llmcost_finetune *ft,
                                     const int *zeros, int n);
/* The same with the memory savers of job "sv" (its chunked_loss, optimizer_in_backward, activation_offload, compile;
 * NULL: none), checked and applied as llmcost_job_memory checks and applies them. */
struct llmcost_job;
int lc_memory_compute_prepared_savers(struct llmcost_memory *out, const struct llmcost_memory_prepared *p,
                                      const struct llmcost_memory_options *o, const struct llmcost_finetune *ft,
                                      const struct llmcost_job *sv);
/* lc_step_compute_memo for the job with the memory savers of "sv" (compile, chunked_loss, optimizer_in_backward,
 * activation_offload; NULL: none) and, when the host link is timed (activation offload, a paged optimizer), the
 * job's memory "mem" (NULL otherwise; only its reserved_bytes, cuda_context_bytes, paged_optimizer_bytes and
 * offload_copy_bytes are read, all the planner keeps of it): the step llmcost_job_step times for that job, on the
 * memo's fast path. */
int lc_step_compute_memo_savers(struct llmcost_step *out, const struct llmcost_step_prepared *prep,
                                const struct llmcost_gpu *gpu, const struct llmcost_step_options *opt, lc_step_memo *mm,
                                const struct llmcost_job *sv, const struct llmcost_memory *mem);
int lc_memory_compute_prepared_zeros_savers(struct llmcost_memory *out, int *rcs, const struct llmcost_memory_prepared *p,
                                            const struct llmcost_memory_options *o, const struct llmcost_finetune *ft,
                                            const struct llmcost_job *sv, const int *zeros, int n);

/* A growing string (format.c): appends never fail loudly; "failed" is set on ENOMEM and later appends do nothing.
 * Start from {0}; the caller frees "s". Used by the table renderer and the CSV writer. */
typedef struct {
    char *s;
    size_t len, cap;
    int failed;
} lc_sbuf;
void lc_sb_add(lc_sbuf *b, const char *s, size_t n);
void lc_sb_puts(lc_sbuf *b, const char *s);
/* Appends "s" as one RFC 4180 field: quoted, quotes doubled, when it holds a comma, a quote, CR or LF. */
void lc_csv_field(lc_sbuf *b, const char *s);

struct llmcost_plan_options;
struct llmcost_plan_layout;
struct llmcost_gpu;
struct llmcost_job;
/* The search llmcost_plan_nearest() runs for validated job "j" on "gpu" (planner.c): o->reference points to "ref",
 * which receives the job's layout. */
void lc_plan_nearest_options(struct llmcost_plan_options *o, struct llmcost_plan_layout *ref,
                             const struct llmcost_gpu *gpu, const struct llmcost_job *j);

struct llmcost_plan_change;
struct llmcost_model;
/* The `llmcost step` flags of change "c"'s best layout, found for search "o" (plan_json.c): the change's GPU count,
 * sequence and GPU name. Returns llmcost_plan_layout_flags_model()'s result. */
int lc_plan_change_flags(char *buf, size_t n, const struct llmcost_plan_options *o, const struct llmcost_plan_change *c,
                         const struct llmcost_model *m);

/* A caller's plan options of any version into "dst": the fields its version has, the later ones their defaults
 * (LLMCOST_PLAN_OPTIONS_INIT), dst->version the caller's; never reads past the end of an older, shorter struct. */
void lc_plan_options_copy(struct llmcost_plan_options *dst, const struct llmcost_plan_options *src);

#endif
