/* commands.c - the table of llmcost's commands: name, entry point, one-line summary. */
#include "cli.h"

const cli_command cli_commands[] = {
    {"report", cmd_report, "everything llmcost knows about a model (default: the course's llama-7b)"},
    {"params", cmd_params, "exact parameter counts by component"},
    {"models", cmd_models, "list the bundled model presets"},
    {"flops", cmd_flops, "FLOPs per component and per step, conventions side by side"},
    {"memory", cmd_memory, "memory per GPU: breakdown, peak, fit, largest micro-batch"},
    {"validate", cmd_validate, "every prediction against its reference: params, FLOPs, memory, course"},
    {"gpus", cmd_gpus, "the accelerator catalogue and named price lists"},
    {"step", cmd_step, "time of one training step on a GPU and layout: breakdown, tokens/s, MFU, HFU"},
    {"train", cmd_train, "a whole run: steps, wall-clock, GPU-hours, cost, energy, CO2; --published validation"},
    {"scaling", cmd_scaling, "scaling laws: list the bundled ones, or fit your own to training runs"},
    {"plan", cmd_plan, "the fastest or cheapest parallel layout that fits: every layout searched"},
    {"budget", cmd_budget, "what model and how many tokens a budget buys (scaling laws, best GPU per dollar)"},
    {NULL, NULL, NULL},
};
