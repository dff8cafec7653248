#!/bin/sh
# regress.sh - capture the engines' answers on a fixed set of command lines, to prove a refactoring or a speed-up
# changes no number (to the last digit).
#
#   tools/regress.sh capture LLMCOST OUTDIR   run every case with the binary LLMCOST, one file per case in OUTDIR
#   tools/regress.sh compare OLDDIR NEWDIR    diff two captures; exit 1 and list the cases that differ
#   tools/regress.sh check LLMCOST_OLD LLMCOST_NEW   capture both (in a temporary folder) and compare
#
# Typical use: build the base commit into build-base/ (git worktree + cmake), then
#   tools/regress.sh check build-base/llmcost build/llmcost
# The cases: `validate --format json` (every suite), and step / memory / flops / train in JSON over presets from
# 125M to 671B, dense and MoE, both profiles, every precision recipe, attention kernel and recomputation mode,
# and layouts with TP, SP, PP, VPP, CP, EP, ETP and ZeRO; budget questions (with --model-mfu) and the course's
# lines. Failing command lines are captured too (their message and exit status), so a refusal that changes is
# caught as well.
set -u

cases() {
    echo "validate --format json"
    echo "flops opt-125m --format json"
    echo "flops llama-7b --format json"
    echo "flops deepseek-v3 --format json"
    echo "flops mixtral-8x7b --attention eager --format json"
    echo "flops gemma-2-2b --attention eager --seq 8192 --format json"
    echo "flops gpt2 --recompute full --format json"
    echo "memory llama-7b --format json"
    echo "memory llama-3.1-405b --tp 8 --pp 16 --vpp 8 --gpus 16384 --zero 1 --seq 8192 --precision bf16-master --framework megatron --format json"
    echo "memory llama-3.1-405b --tp 8 --pp 16 --vpp 4 --gpus 16384 --zero 1 --seq 8192 --precision bf16-master --framework megatron --format json"
    echo "memory deepseek-v3 --tp 2 --pp 16 --ep 64 --gpus 2048 --zero 1 --precision fp8 --framework megatron --format json"
    echo "memory mixtral-8x7b --tp 2 --ep 4 --gpus 8 --zero 3 --recompute selective --format json"
    echo "memory gpt2 --precision amp-bf16 --attention eager --format json"
    for model in opt-125m gpt2 llama-7b llama-3.2-1b gemma-2-2b gemma-3-1b phi-3-mini falcon-7b mixtral-8x7b \
                 qwen3-30b-a3b deepseek-v2-lite olmoe-1b-7b gpt-oss-20b bloom-560m opt-350m; do
        for prec in bf16 amp-bf16 fp32; do
            echo "step $model --gpu h200 --seq 1024 --precision $prec --format json"
        done
        echo "step $model --gpu h100 --seq 2048 --attention eager --recompute full --format json"
        echo "step $model --gpu h100 --seq 2048 --attention flash --recompute selective --micro-batch 2 --format json"
        echo "step $model --gpu h100 --seq 2048 --framework megatron --precision bf16-master --tp 2 --pp 2 --gpus 8 --zero 1 --format json"
        echo "step $model --gpu h100 --seq 2048 --framework megatron --precision fp8 --tp 2 --no-sequence-parallel --cp 2 --gpus 8 --zero 2 --format json"
        echo "step $model --gpu a100-80gb --seq 2048 --zero 3 --gpus 16 --micro-batch 2 --format json"
    done
    echo "step llama-3.1-405b --gpu h100 --framework megatron --precision bf16-master --tp 8 --pp 16 --vpp 8 --gpus 16384 --zero 1 --seq 8192 --global-batch 16M --format json"
    echo "step llama-3.1-405b --gpu h100 --framework megatron --precision bf16-master --tp 8 --pp 16 --vpp 8 --gpus 16384 --zero 1 --seq 8192 --global-batch 16M --tp-overlap --format json"
    echo "step llama-3.1-405b --gpu h100 --framework megatron --precision bf16-master --tp 8 --pp 16 --cp 16 --gpus 16384 --seq 131072 --global-batch 16M --recompute full --format json"
    echo "step deepseek-v3 --gpu h800 --framework megatron --precision fp8 --pp 16 --ep 64 --gpus 2048 --zero 1 --seq 4096 --global-batch 15M --ep-overlap --format json"
    echo "step deepseek-v3 --gpu h800 --framework megatron --precision bf16-master --tp 2 --etp 2 --pp 16 --ep 32 --gpus 2048 --zero 1 --seq 4096 --format json"
    echo "step mixtral-8x7b --gpu h100 --framework megatron --tp 2 --ep 4 --etp 1 --gpus 64 --seq 4096 --global-batch 4M --format json"
    echo "step qwen3-235b-a22b --gpu h200 --tp 4 --pp 4 --ep 8 --gpus 512 --seq 4096 --format json"
    echo "step llama-3-70b --gpu h100 --tp 8 --pp 4 --vpp 2 --gpus 1024 --seq 8192 --recompute selective --optimizer adamw-8bit --format json"
    echo "step llama-2-70b --gpu a100-80gb --tp 8 --pp 8 --gpus 2048 --seq 4096 --optimizer sgd --format json"
    echo "step llama-2-7b --gpu h100 --pp 3 --gpus 3 --optimizer adafactor --format json"
    echo "step llama-7b --gpu h100 --tp 3 --format json"
    echo "train --published --format json"
    echo "train llama-3.1-8b --tokens 1T --gpu h100 --gpus 512 --tp 2 --format json"
    echo "report --format json"
    # the budget and course planning (budget.h): the MFU fixed point, the fit check, the course's lines
    echo "budget --dollars 5e6 --price-list course --law course --format json"
    echo "budget --dollars 5e6 --gpu a100,h100,h200 --model-mfu --format json"
    echo "budget --dollars 5e6 --gpu h100 --gpus 16 --model-mfu --format json"
    echo "budget --gpu-hours 1e6 --gpu h100 --format json"
    echo "budget --params 70B --tokens 1.4T --gpu h100 --gpus 2048 --price 2.5 --format json"
    echo "budget --target-loss 2.0 --law chinchilla-unrounded --format json"
    echo "--model_config deepseek-v3 --training_budget 5e6"
    echo "memory deepseek-v3 --course-layer --format json"
}

capture() {
    bin=$1 dir=$2
    mkdir -p "$dir" || exit 2
    i=0
    cases | while IFS= read -r line; do
        i=$((i + 1))
        f=$(printf '%s/%03d.out' "$dir" "$i")
        echo "\$ llmcost $line" >"$f"
        # shellcheck disable=SC2086
        "$bin" $line >>"$f" 2>&1
        echo "exit $?" >>"$f"
    done
}

compare() {
    old=$1 new=$2 bad=0
    for f in "$old"/*.out; do
        g="$new/$(basename "$f")"
        if ! cmp -s "$f" "$g"; then
            # the first 8 differing cases in full (8 lines of diff each), then only their command lines
            if [ $bad -lt 8 ]; then
                head -1 "$f"
                diff "$f" "$g" | head -8
            else
                head -1 "$f"
            fi
            bad=$((bad + 1))
        fi
    done
    n=$(ls "$old"/*.out | wc -l)
    if [ $bad = 0 ]; then
        echo "regress: $n cases identical"
        return 0
    fi
    echo "regress: $bad of $n cases differ" >&2
    return 1
}

case "${1:-}" in
capture) capture "$2" "$3" ;;
compare) compare "$2" "$3" ;;
check)
    tmp=$(mktemp -d) || exit 2
    capture "$2" "$tmp/old"
    capture "$3" "$tmp/new"
    compare "$tmp/old" "$tmp/new"
    rc=$?
    rm -rf "$tmp"
    exit $rc
    ;;
*)
    sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
