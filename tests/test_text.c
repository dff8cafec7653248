/* test_text.c - no text is cut: every bundled preset, GPU, price list, scaling law, published run and validation
 * case keeps its text whole in the library's char[] fields (each field compared with the data file, read here with
 * jansson), every field is larger than the longest bundled text it holds, and a text that does not fit is refused
 * with a message naming the key instead of being cut. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "llmcost/llmcost.h"

static json_t *load_data(const char *rel)
{
    json_error_t e;
    json_t *j = json_load_file(src_path(rel), 0, &e);
    cr_assert_not_null(j, "%s: %s", rel, e.text);
    return j;
}

static const char *jstr(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* The longest text seen for one field, against the field's size. */
typedef struct {
    const char *field;
    size_t size, longest;
} room;

static void seen(room *r, const char *s)
{
    size_t n = strlen(s);
    if (n > r->longest)
        r->longest = n;
}

static void check_room(const room *r)
{
    cr_expect_lt(r->longest, r->size, "%s: the longest bundled text is %zu characters, the field holds %zu", r->field,
                 r->longest, r->size - 1);
}

Test(text, every_preset_keeps_its_text_whole)
{
    llmcost_model *m0 = NULL;
    room rooms[] = {
        {"llmcost_model.name", sizeof m0->name, 0},
        {"llmcost_model.family", sizeof m0->family, 0},
        {"llmcost_model.train_seq_source", sizeof m0->train_seq_source, 0},
        {"llmcost_model.train_batch_source", sizeof m0->train_batch_source, 0},
        {"llmcost_model.origin", sizeof m0->origin, 0},
        {"llmcost_model.notes", sizeof m0->notes, 0},
    };
    int n = llmcost_preset_count();
    cr_assert_geq(n, 60);
    int long_sources = 0;
    for (int i = 0; i < n; i++) {
        json_error_t e;
        json_t *p = json_loads(llmcost_preset_json(i), 0, &e);
        cr_assert_not_null(p, "%s: %s", llmcost_preset_path(i), e.text);
        llmcost_model *m;
        cr_assert_eq(llmcost_model_load(&m, llmcost_preset_name(i)), 0, "%s", llmcost_errmsg());
        cr_expect_str_eq(m->name, jstr(p, "name"));
        if (json_object_get(p, "family"))
            cr_expect_str_eq(m->family, jstr(p, "family"), "%s", m->name);
        if (json_object_get(p, "train_seq_source")) /* else read from the config (max_sequence_length, rope_scaling) */
            cr_expect_str_eq(m->train_seq_source, jstr(p, "train_seq_source"), "%s", m->name);
        seen(&rooms[2], m->train_seq_source);
        cr_expect_str_eq(m->train_batch_source, jstr(p, "train_batch_source"), "%s", m->name);
        char origin[512];
        snprintf(origin, sizeof origin, "preset %s (%s)", llmcost_preset_name(i), llmcost_preset_path(i));
        cr_expect_str_eq(m->origin, origin);
        cr_expect_null(strstr(m->notes, "did not fit"), "%s: notes overflowed", m->name);
        /* The field that used to be 160 bytes: 24 presets' sources were cut there. */
        if (strlen(jstr(p, "train_seq_source")) >= 160)
            long_sources++;
        seen(&rooms[0], m->name);
        seen(&rooms[1], m->family);
        seen(&rooms[3], jstr(p, "train_batch_source"));
        seen(&rooms[4], m->origin);
        seen(&rooms[5], m->notes);
        llmcost_model_free(m);
        json_decref(p);
    }
    cr_expect_geq(long_sources, 24, "only %d presets have a train_seq_source of 160 characters or more", long_sources);
    for (size_t k = 0; k < sizeof rooms / sizeof rooms[0]; k++)
        check_room(&rooms[k]);
}

Test(text, every_gpu_and_price_list_keeps_its_text_whole)
{
    json_t *doc = load_data("data/gpus.json");
    llmcost_gpu *g0 = NULL;
    llmcost_price_list *l0 = NULL;
    room rooms[] = {
        {"llmcost_gpu.full_name", sizeof g0->full_name, 0},  {"llmcost_gpu.vendor", sizeof g0->vendor, 0},
        {"llmcost_gpu.source", sizeof g0->source, 0},        {"llmcost_gpu.price_source", sizeof g0->price_source, 0},
        {"llmcost_gpu.aliases", sizeof g0->aliases, 0},      {"llmcost_gpu.scaleup_link", sizeof g0->scaleup_link, 0},
        {"llmcost_gpu.scaleout_link", sizeof g0->scaleout_link, 0}, {"llmcost_price_list.source", sizeof l0->source, 0},
    };
    size_t i;
    json_t *o;
    json_t *gpus = json_object_get(doc, "gpus");
    cr_assert_geq(json_array_size(gpus), 10);
    cr_expect_eq((size_t)llmcost_catalog_gpu_count(NULL), json_array_size(gpus));
    json_array_foreach(gpus, i, o)
    {
        const llmcost_gpu *g = llmcost_catalog_gpu_find(NULL, jstr(o, "name"));
        cr_assert_not_null(g, "%s", jstr(o, "name"));
        cr_expect_str_eq(g->full_name, jstr(o, "full_name"));
        cr_expect_str_eq(g->vendor, jstr(o, "vendor"));
        cr_expect_str_eq(g->source, jstr(o, "source"));
        json_t *price = json_object_get(o, "price");
        char want[2048] = "";
        if (price)
            snprintf(want, sizeof want, "%s (%s)", jstr(price, "source"), jstr(price, "date"));
        cr_expect_str_eq(g->price_source, want);
        seen(&rooms[3], want);
        char aliases[2048] = "";
        size_t k;
        json_t *a;
        json_array_foreach(json_object_get(o, "aliases"), k, a)
        {
            size_t len = strlen(aliases);
            snprintf(aliases + len, sizeof aliases - len, "%s%s", k ? "," : "", json_string_value(a));
        }
        cr_expect_str_eq(g->aliases, aliases);
        cr_expect_str_eq(g->scaleup_link, jstr(json_object_get(o, "scaleup"), "link"));
        cr_expect_str_eq(g->scaleout_link, jstr(json_object_get(o, "scaleout"), "link"));
        seen(&rooms[0], jstr(o, "full_name"));
        seen(&rooms[1], jstr(o, "vendor"));
        seen(&rooms[2], jstr(o, "source"));
        seen(&rooms[4], aliases);
        seen(&rooms[5], g->scaleup_link);
        seen(&rooms[6], g->scaleout_link);
    }
    json_t *lists = json_object_get(doc, "price_lists");
    cr_assert_geq(json_array_size(lists), 1);
    json_array_foreach(lists, i, o)
    {
        const llmcost_price_list *pl = llmcost_catalog_price_list_find(NULL, jstr(o, "name"));
        cr_assert_not_null(pl, "%s", jstr(o, "name"));
        cr_expect_str_eq(pl->source, jstr(o, "source"));
        seen(&rooms[7], jstr(o, "source"));
    }
    for (size_t k = 0; k < sizeof rooms / sizeof rooms[0]; k++)
        check_room(&rooms[k]);
    json_decref(doc);
}

Test(text, every_scaling_law_keeps_its_text_whole)
{
    json_t *doc = load_data("data/scaling_laws.json");
    llmcost_law *l0 = NULL;
    /* The CLI's --E/--A/--B/--alpha/--beta rename a law "user" and append to its title and source: at most five
     * "name = %g" items (%g: at most 13 characters), so a bundled law keeps that much room. */
    const size_t constants = 5 * (2 + 5 + 3 + 13);
    room title = {"llmcost_law.title (+ user constants)", sizeof l0->title, 0};
    room source = {"llmcost_law.source (+ user constants)", sizeof l0->source, 0};
    room counts = {"llmcost_law.counts", sizeof l0->counts, 0};
    size_t i;
    json_t *o;
    json_t *laws = json_object_get(doc, "laws");
    cr_assert_eq((size_t)llmcost_scaling_law_count(), json_array_size(laws));
    json_array_foreach(laws, i, o)
    {
        const llmcost_law *l = llmcost_scaling_law_at((int)i);
        cr_expect_str_eq(l->name, jstr(o, "name"));
        cr_expect_str_eq(l->title, jstr(o, "title"));
        cr_expect_str_eq(l->counts, jstr(o, "counts"));
        cr_expect_str_eq(l->source, jstr(o, "source"));
        title.longest = strlen(l->name) + strlen(" with user constants ()") + constants > title.longest
                            ? strlen(l->name) + strlen(" with user constants ()") + constants
                            : title.longest;
        size_t s = strlen(l->source) + strlen("; constants  given on the command line") + constants;
        source.longest = s > source.longest ? s : source.longest;
        seen(&counts, l->counts);
    }
    check_room(&title);
    check_room(&source);
    check_room(&counts);
    json_decref(doc);
}

Test(text, every_published_run_keeps_its_text_whole)
{
    llmcost_published *p;
    size_t n;
    cr_assert_eq(llmcost_train_published(&p, &n), 0, "%s", llmcost_errmsg());
    json_t *doc = load_data("data/validation/runs.json");
    size_t matched = 0, i;
    json_t *r;
    json_array_foreach(json_object_get(doc, "runs"), i, r)
    {
        size_t k;
        json_t *rep;
        json_array_foreach(json_object_get(r, "reported"), k, rep)
        {
            for (size_t j = 0; j < n; j++) {
                if (strcmp(p[j].name, jstr(r, "name")) || strcmp(p[j].metric, jstr(rep, "metric")))
                    continue;
                matched++;
                cr_expect_str_eq(p[j].source, jstr(rep, "source"));
                cr_expect_str_eq(p[j].convention, jstr(rep, "convention"));
                cr_expect_str_eq(p[j].assumed, jstr(r, "assumed"));
                cr_expect_str_eq(p[j].kind, jstr(r, "kind"));
                cr_expect_str_eq(p[j].set, jstr(r, "set"));
            }
        }
    }
    cr_expect_eq(matched, n, "%zu of %zu published figures matched their data record", matched, n);
    json_decref(doc);
    llmcost_free(p);
}

Test(text, every_validation_note_is_whole)
{
    llmcost_validation_case *v;
    size_t n;
    cr_assert_eq(llmcost_validate_run(&v, &n), 0, "%s", llmcost_errmsg());
    json_t *doc = load_data("data/validation/suites.json");
    llmcost_validation_case *c0 = NULL;
    room note = {"llmcost_validation_case.note", sizeof c0->note, 0};
    size_t exceptions = 0, long_notes = 0, i;
    json_t *s;
    json_array_foreach(json_object_get(doc, "suites"), i, s)
    {
        const char *key;
        json_t *ex;
        json_object_foreach(json_object_get(s, "exceptions"), key, ex)
        {
            const char *why = jstr(ex, "why");
            if (!why[0])
                continue;
            exceptions++;
            seen(&note, why);
            if (strlen(why) >= 320) /* the field's former size */
                long_notes++;
            size_t found = 0;
            for (size_t j = 0; j < n; j++)
                if (!strcmp(v[j].name, key) && !strcmp(v[j].suite, jstr(s, "name"))) {
                    found++;
                    cr_expect_str_eq(v[j].note, why, "%s", key);
                }
            cr_expect_eq(found, 1, "exception '%s' matched %zu cases", key, found);
        }
    }
    cr_expect_geq(exceptions, 20);
    cr_expect_geq(long_notes, 10, "only %zu notes are longer than 320 characters", long_notes);
    check_room(&note);
    json_decref(doc);
    llmcost_free(v);
}

/* ---- a text that does not fit is refused, naming the key ---- */

static char *long_text(size_t n)
{
    char *s = malloc(n + 1);
    cr_assert_not_null(s);
    memset(s, 'x', n);
    s[n] = '\0';
    return s;
}

Test(text, a_gpu_source_too_long_is_refused)
{
    char *src = long_text(600);
    size_t size = 1024 + strlen(src);
    char *doc = malloc(size);
    snprintf(doc, size,
             "{\"gpus\": [{\"name\": \"big\", \"peak_tflops\": {\"bf16\": 100}, \"memory_gb\": 80, \"memory_bw_gbps\": "
             "2000, \"source\": \"%s\"}]}",
             src);
    llmcost_catalog *cat;
    cr_assert_eq(llmcost_catalog_new(&cat, NULL), 0);
    cr_expect_eq(llmcost_catalog_load_json(cat, doc, strlen(doc), "mine.json"), LLMCOST_EINVAL);
    cr_expect_not_null(strstr(llmcost_errmsg(), "mine.json: key 'gpus[0] (big).source'"), "%s", llmcost_errmsg());
    cr_expect_not_null(strstr(llmcost_errmsg(), "is 600 characters, longer than the 511"), "%s", llmcost_errmsg());
    cr_expect_null(llmcost_catalog_gpu_find(cat, "big"));
    llmcost_catalog_free(cat);
    free(doc);
    free(src);
}

Test(text, a_preset_source_too_long_is_refused)
{
    char *src = long_text(700);
    size_t size = 1024 + strlen(src);
    char *doc = malloc(size);
    snprintf(doc, size,
             "{\"name\": \"mine\", \"train_seq\": 2048, \"train_seq_source\": \"%s\", \"config\": {\"model_type\": "
             "\"llama\", \"hidden_size\": 64, \"intermediate_size\": 128, \"num_attention_heads\": 4, "
             "\"num_hidden_layers\": 2, \"vocab_size\": 100}}",
             src);
    llmcost_model *m;
    cr_expect_eq(llmcost_model_from_json(&m, doc, strlen(doc), "mine.json"), LLMCOST_EINVAL);
    cr_expect_null(m);
    cr_expect_not_null(strstr(llmcost_errmsg(), "mine.json: key 'train_seq_source'"), "%s", llmcost_errmsg());
    cr_expect_not_null(strstr(llmcost_errmsg(), "is 700 characters, longer than the 511"), "%s", llmcost_errmsg());
    free(doc);
    free(src);
}

Test(text, an_activation_name_too_long_is_refused)
{
    char *act = long_text(40);
    char doc[1024];
    snprintf(doc, sizeof doc,
             "{\"model_type\": \"llama\", \"hidden_size\": 64, \"intermediate_size\": 128, \"num_attention_heads\": 4, "
             "\"num_hidden_layers\": 2, \"vocab_size\": 100, \"hidden_act\": \"%s\"}",
             act);
    llmcost_model *m;
    cr_expect_eq(llmcost_model_from_json(&m, doc, strlen(doc), "cfg.json"), LLMCOST_EINVAL);
    cr_expect_not_null(strstr(llmcost_errmsg(), "cfg.json: key 'hidden_act'"), "%s", llmcost_errmsg());
    free(act);
}

Test(text, a_law_title_too_long_is_refused)
{
    char *title = long_text(300);
    char doc[2048];
    snprintf(doc, sizeof doc,
             "{\"name\": \"mine\", \"title\": \"%s\", \"form\": \"chinchilla\", \"E\": 1.7, \"A\": 400, \"B\": 400, "
             "\"alpha\": 0.34, \"beta\": 0.28, \"source\": \"me\"}",
             title);
    llmcost_law law;
    cr_expect_eq(llmcost_scaling_law_load_json(&law, doc, strlen(doc), "law.json"), LLMCOST_EINVAL);
    cr_expect_not_null(strstr(llmcost_errmsg(), "key 'title'"), "%s", llmcost_errmsg());
    cr_expect_not_null(strstr(llmcost_errmsg(), "is 300 characters, longer than the 255"), "%s", llmcost_errmsg());
    free(title);
}

/* The CLI shows the whole source: `llmcost models` printed 24 presets' train_seq_source cut at 159 characters. */
Test(text, the_cli_prints_whole_sources)
{
    const char *argv[] = {"train", "llama-3.1-8b", "--tokens", "1T", "--gpu", "h100", "--gpus", "8", "--format",
                          "json", NULL};
    run_result r = run_cli(argv);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect_not_null(strstr(r.out, "brief: 8192 before long-context extension)"), "%s", r.out);
    run_free(&r);
}
