#!/bin/sh
# install_test.sh BUILD SOURCE - `make install` as a user runs it, staged in a DESTDIR: the installed llmcost runs
# the README's examples, and a program compiled against the installed headers and library (found by pkg-config)
# prints the same JSON as the installed CLI.
set -eu
BUILD=$1
SRC=$2
STAGE=$(mktemp -d /tmp/llmcost-install.XXXXXX)
trap 'rm -rf "$STAGE"' EXIT
PREFIX=/opt/llmcost-test
DESTDIR=$STAGE cmake --install "$BUILD" --prefix "$PREFIX" >/dev/null
ROOT=$STAGE$PREFIX
for f in bin/llmcost include/llmcost/llmcost.h include/llmcost/output.h; do
    [ -f "$ROOT/$f" ] || { echo "not installed: $f"; exit 1; }
done
LIB=$(ls "$ROOT"/lib*/libllmcost.a)
PC=$(dirname "$LIB")/pkgconfig/llmcost.pc
[ -f "$PC" ] || { echo "not installed: llmcost.pc"; exit 1; }
# The installed binary carries its data (compiled in): it runs from anywhere.
cd "$STAGE"
"$ROOT/bin/llmcost" params llama-3-8b >/dev/null
"$ROOT/bin/llmcost" memory llama-3-8b --seq 4096 --micro-batch 1 --gpu h100 >/dev/null
"$ROOT/bin/llmcost" --version
# LLaMA-7B has 6,738,415,616 parameters (transformers' num_parameters()).
"$ROOT/bin/llmcost" params llama-7b --format json | grep -q '"total": 6738415616,'
# A program built against the installed headers and library.
cat >prog.c <<'C'
#include <stdio.h>
#include <llmcost/llmcost.h>
int main(void)
{
    llmcost_model *m;
    llmcost_params p;
    char *json;
    if (llmcost_model_load(&m, "llama-7b") != 0 || llmcost_params_count(&p, m) != 0 ||
        llmcost_params_to_json(&json, &p, m) != 0)
        return 1;
    fputs(json, stdout);
    llmcost_free(json);
    llmcost_model_free(m);
    return 0;
}
C
PKG_CONFIG_PATH=$(dirname "$PC")
export PKG_CONFIG_PATH
cc -std=c11 -o prog prog.c $(pkg-config --cflags llmcost) $(pkg-config --static --libs llmcost)
./prog >lib.json
"$ROOT/bin/llmcost" params llama-7b --format json >cli.json
cmp lib.json cli.json
echo "installed under $PREFIX (staged in a DESTDIR): binary, library, headers and pkg-config file work"
