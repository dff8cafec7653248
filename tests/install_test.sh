#!/bin/sh
# install_test.sh BUILD SOURCE - `make install` as a user runs it, staged in a DESTDIR: the installed llmcost runs
# the README's examples, and a program compiled against the installed headers and library (found by pkg-config),
# linked once against libllmcost.so.1 and once against libllmcost.a, prints the same JSON as the installed CLI.
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
LIBDIR=$(dirname "$LIB")
PC=$LIBDIR/pkgconfig/llmcost.pc
[ -f "$PC" ] || { echo "not installed: llmcost.pc"; exit 1; }
# The shared library: the file, its SONAME link and the linker's link.
[ -f "$LIBDIR/libllmcost.so.1.8.0" ] || { echo "not installed: libllmcost.so.1.8.0"; exit 1; }
[ "$(readlink "$LIBDIR/libllmcost.so.1")" = libllmcost.so.1.8.0 ] || { echo "libllmcost.so.1 link wrong"; exit 1; }
[ "$(readlink "$LIBDIR/libllmcost.so")" = libllmcost.so.1 ] || { echo "libllmcost.so link wrong"; exit 1; }
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
"$ROOT/bin/llmcost" params llama-7b --format json >cli.json
# Shared (what pkg-config --libs gives when both are installed); the rpath stands for ldconfig in a real prefix.
cc -std=c11 -o prog prog.c $(pkg-config --cflags --libs llmcost) -Wl,-rpath,"$LIBDIR"
readelf -d prog | grep -q 'NEEDED.*\[libllmcost\.so\.1\]' || { echo "prog does not need libllmcost.so.1"; exit 1; }
./prog >lib.json
cmp lib.json cli.json
# Static: the archive and what it needs (Requires.private, Libs.private).
cc -std=c11 -o prog_static prog.c $(pkg-config --cflags llmcost) -L"$LIBDIR" -Wl,-Bstatic -lllmcost -Wl,-Bdynamic \
    $(pkg-config --static --libs llmcost)
if readelf -d prog_static | grep -q 'NEEDED.*libllmcost'; then echo "prog_static needs libllmcost.so"; exit 1; fi
./prog_static >lib_static.json
cmp lib_static.json cli.json
echo "installed under $PREFIX (staged in a DESTDIR): binary, shared and static library, headers and pkg-config file work"
