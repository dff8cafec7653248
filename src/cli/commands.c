/* commands.c - the table of llmcost's commands: name, entry point, one-line summary. */
#include "cli.h"

const cli_command cli_commands[] = {
    {"report", cmd_report, "everything llmcost knows about a model (default: the course's llama-7b)"},
    {"params", cmd_params, "exact parameter counts by component"},
    {"models", cmd_models, "list the bundled model presets"},
    {"flops", cmd_flops, "FLOPs per component and per step, conventions side by side"},
    {NULL, NULL, NULL},
};
