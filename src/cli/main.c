/* main.c - llmcost's entry point; everything it does is cli_main() in the CLI library (src/cli/dispatch.c). */
#include "cli.h"

int main(int argc, char **argv)
{
    return cli_main(argc, argv);
}
