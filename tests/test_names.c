/* test_names.c - models named as people name them: presets in any case or by their Hugging Face repo id,
 * Hugging Face cache folders (models--ORG--NAME/, newest snapshot first, or one snapshot), and "did you mean"
 * for typos. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "llmcost/llmcost.h"

Test(names, presets_answer_to_case_and_repo_id)
{
    int want = llmcost_preset_find("llama-3-8b");
    cr_assert_geq(want, 0);
    cr_expect_eq(llmcost_preset_match("Llama-3-8B"), want);
    cr_expect_eq(llmcost_preset_match("llama_3_8b"), want);
    /* data/models/llama-3-8b.json: "hf_repo": "meta-llama/Meta-Llama-3-8B" */
    cr_expect_eq(llmcost_preset_match("meta-llama/Meta-Llama-3-8B"), want);
    cr_expect_eq(llmcost_preset_match("META-LLAMA/meta-llama-3-8b"), want);
    cr_expect_eq(llmcost_preset_match("meta-llama/Meta-Llama-3-9B"), -1);
    char repo[128];
    cr_expect_eq(llmcost_preset_hf_repo(repo, sizeof repo, want), 0);
    cr_expect_str_eq(repo, "meta-llama/Meta-Llama-3-8B");
    /* Every preset records its repo, and each repo id finds its own preset. */
    for (int i = 0; i < llmcost_preset_count(); i++) {
        cr_expect_eq(llmcost_preset_hf_repo(repo, sizeof repo, i), 0);
        cr_expect_neq(repo[0], '\0', "%s has no hf_repo", llmcost_preset_name(i));
        if (repo[0])
            cr_expect_eq(llmcost_preset_match(repo), i, "%s -> %d, want %s", repo, llmcost_preset_match(repo),
                         llmcost_preset_name(i));
    }
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, "meta-llama/Meta-Llama-3-8B"), 0, "%s", llmcost_errmsg());
    cr_expect_str_eq(m->name, "llama-3-8b");
    llmcost_model_free(m);
}

Test(names, typos_get_the_nearest_name)
{
    cr_expect_eq(llmcost_name_distance("memroy", "memory"), 1); /* a swap */
    cr_expect_eq(llmcost_name_distance("micro_batch", "micro-batch"), 0);
    cr_expect_eq(llmcost_name_distance("kitten", "sitting"), 3);
    cr_expect_str_eq(llmcost_preset_suggest("llama3-8b"), "llama-3-8b");
    cr_expect_str_eq(llmcost_preset_suggest("deepseek-3"), "deepseek-v3");
    cr_expect_null(llmcost_preset_suggest("my-own-model-folder"));
    llmcost_model *m;
    cr_expect_eq(llmcost_model_load(&m, "mixtral-8x7"), LLMCOST_ENOTFOUND);
    cr_expect(strstr(llmcost_errmsg(), "did you mean 'mixtral-8x7b'?") != NULL, "%s", llmcost_errmsg());
}

static void write_config(const char *dir, int layers)
{
    /* The course's LLaMA-7B config with "layers" decoder layers. */
    FILE *in = fopen(src_path("tests/fixtures/llama_7b_config.json"), "r");
    cr_assert_not_null(in);
    char text[8192];
    size_t n = fread(text, 1, sizeof text - 1, in);
    fclose(in);
    text[n] = '\0';
    char *k = strstr(text, "\"num_hidden_layers\": 32");
    cr_assert_not_null(k);
    char path[1024];
    snprintf(path, sizeof path, "%s/config.json", dir);
    FILE *out = fopen(path, "w");
    cr_assert_not_null(out);
    fprintf(out, "%.*s\"num_hidden_layers\": %d%s", (int)(k - text), text, layers, k + strlen("\"num_hidden_layers\": 32"));
    fclose(out);
}

static void set_mtime(const char *path, time_t t)
{
    struct timespec ts[2] = {{t, 0}, {t, 0}};
    cr_assert_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
}

Test(names, hugging_face_cache_folders)
{
    char root[256], repo[512], snaps[600], a[700], b[700];
    snprintf(root, sizeof root, "/tmp/llmcost-hf-%d", (int)getpid());
    snprintf(repo, sizeof repo, "%s/models--my-org--Tiny-Llama", root);
    snprintf(snaps, sizeof snaps, "%s/snapshots", repo);
    snprintf(a, sizeof a, "%s/1111aaaa", snaps);
    snprintf(b, sizeof b, "%s/2222bbbb", snaps);
    mkdir(root, 0700);
    mkdir(repo, 0700);
    mkdir(snaps, 0700);
    mkdir(a, 0700);
    mkdir(b, 0700);
    write_config(a, 4);
    write_config(b, 6);
    set_mtime(a, 1700000000); /* a older, b newer */
    set_mtime(b, 1800000000);
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, repo), 0, "%s", llmcost_errmsg());
    cr_expect_str_eq(m->name, "my-org/Tiny-Llama");
    cr_expect_eq(m->n_layers, 6, "the newest snapshot is read");
    llmcost_model_free(m);
    set_mtime(a, 1900000000);
    cr_assert_eq(llmcost_model_load(&m, repo), 0, "%s", llmcost_errmsg());
    cr_expect_eq(m->n_layers, 4, "the newest snapshot is read");
    llmcost_model_free(m);
    /* One snapshot named directly, with a trailing slash. */
    char direct[800];
    snprintf(direct, sizeof direct, "%s/", b);
    cr_assert_eq(llmcost_model_load(&m, direct), 0, "%s", llmcost_errmsg());
    cr_expect_str_eq(m->name, "my-org/Tiny-Llama");
    cr_expect_eq(m->n_layers, 6);
    llmcost_model_free(m);
    /* The CLI says the same. */
    const char *argv[] = {"params", repo, "--format", "json", NULL};
    run_result r = run_cli(argv);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(strstr(r.out, "\"model\": \"my-org/Tiny-Llama\"") != NULL, "%s", r.out);
    run_free(&r);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    cr_expect_eq(system(cmd), 0);
}

Test(names, cache_folder_without_snapshots_is_an_error)
{
    char root[256], repo[512], snaps[600];
    snprintf(root, sizeof root, "/tmp/llmcost-hf-empty-%d", (int)getpid());
    snprintf(repo, sizeof repo, "%s/models--org--Empty", root);
    snprintf(snaps, sizeof snaps, "%s/snapshots", repo);
    mkdir(root, 0700);
    mkdir(repo, 0700);
    mkdir(snaps, 0700);
    llmcost_model *m;
    cr_expect_eq(llmcost_model_load(&m, repo), LLMCOST_ENOTFOUND);
    cr_expect(strstr(llmcost_errmsg(), "no snapshot with a config.json") != NULL, "%s", llmcost_errmsg());
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    cr_expect_eq(system(cmd), 0);
}
