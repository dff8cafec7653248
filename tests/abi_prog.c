/* abi_prog.c - a program linked against libllmcost.so (not the archive): tests/abi_test.sh checks that it needs
 * libllmcost.so.1 and prints LLaMA-7B's parameter count, 6,738,415,616 (transformers' num_parameters()). */
#include <inttypes.h>
#include <stdio.h>
#include <llmcost/llmcost.h>

int main(void)
{
    llmcost_model *m;
    llmcost_params p;
    if (llmcost_init() != 0 || llmcost_model_load(&m, "llama-7b") != 0 || llmcost_params_count(&p, m) != 0) {
        fprintf(stderr, "abi_prog: %s\n", llmcost_errmsg());
        return 1;
    }
    printf("%s %" PRId64 "\n", llmcost_version(), p.total);
    llmcost_model_free(m);
    return 0;
}
