/* cmd_models.c - `llmcost models`: the bundled presets with family, total and active parameters. */
#include <stdio.h>

#include "cli.h"

static const char *const usage_text = "llmcost models [--format text|json|csv|md]";
static const char *const description =
    "Lists the bundled model presets (data/models/*.json): the published config.json of each, with its\n"
    "family, model_type, total and active parameters. Use a preset's name wherever a MODEL is asked for.";
static const char *const examples = "  llmcost models\n  llmcost models --format csv\n";

int cmd_models(int argc, char **argv)
{
    cli_common co;
    int npos;
    int rc = cli_parse("models", argc, argv, NULL, 0, &co, NULL, 0, &npos);
    if (rc)
        return rc;
    if (co.help) {
        cli_help(stdout, "models", usage_text, description, NULL, 0, examples);
        return 0;
    }
    if (cli_structured(co.format)) {
        char *text;
        rc = llmcost_presets_to_json(&text);
        return cli_print_json_text(rc, text);
    }
    const char *hdr[] = {"name", "family", "model_type", "total", "active", "total (exact)"};
    llmcost_table *t = llmcost_table_new("Bundled presets", 6, hdr);
    llmcost_table_numeric(t, 3);
    llmcost_table_numeric(t, 4);
    llmcost_table_numeric(t, 5);
    for (int i = 0; i < llmcost_preset_count(); i++) {
        llmcost_model *m;
        rc = llmcost_model_load(&m, llmcost_preset_name(i));
        if (rc < 0) {
            rc = cli_lib_error(rc);
            break;
        }
        llmcost_params p;
        rc = llmcost_params_count(&p, m);
        if (rc < 0) {
            llmcost_model_free(m);
            rc = cli_lib_error(rc);
            break;
        }
        char a[32], b[32], g[32];
        llmcost_table_addf(t, "%s\t%s\t%s\t%s\t%s\t%s", m->name, m->family, m->model_type,
                           llmcost_fmt_count(a, sizeof a, (double)p.total), llmcost_fmt_count(b, sizeof b, (double)p.active),
                           llmcost_fmt_grouped(g, sizeof g, p.total));
        llmcost_model_free(m);
    }
    if (rc == 0)
        rc = cli_print_table(t, co.format);
    llmcost_table_free(t);
    return rc;
}
