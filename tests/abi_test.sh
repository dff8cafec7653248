#!/bin/sh
# abi_test.sh CC SOURCE LIB PROG - the shared library's ABI:
#  - LIB has SONAME libllmcost.so.1 (CMakeLists.txt, "libllmcost.so.1" explains when the number changes);
#  - every symbol LIB exports starts with llmcost_ (cmake/llmcost.map), and the exported set is exactly the
#    functions and tables the public headers declare: nothing internal leaks, nothing public is missing;
#  - llmcost/llmcost.h includes every public header (a program may include only it);
#  - PROG, built from tests/abi_prog.c against LIB, needs libllmcost.so.1 at run time and prints LLaMA-7B's
#    6,738,415,616 parameters (transformers' num_parameters()).
# The declared names come from the headers run through the C preprocessor (comments and macros gone).
set -eu
CC=$1
SRC=$2
LIB=$3
PROG=$4
TMP=$(mktemp -d /tmp/llmcost-abi.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "abi: $*" >&2; exit 1; }

# Names a preprocessed header text declares: functions (name followed by "(") and extern tables.
declared() {
    tr '\n' ' ' | sed 's/;/;\n/g' >"$TMP/decls"
    grep -oE '\bllmcost_[a-z0-9_]+[[:space:]]*\(' "$TMP/decls" | sed 's/[[:space:](]//g'
    grep -E '^[[:space:]]*extern[[:space:]]' "$TMP/decls" | grep -oE '\bllmcost_[a-z0-9_]+[[:space:]]*(\[[^]]*\])?[[:space:]]*;' |
        sed -E 's/[[:space:]]*(\[[^]]*\])?[[:space:]]*;//'
}

soname=$(readelf -d "$LIB" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ "$soname" = libllmcost.so.1 ] || fail "SONAME is '$soname', not libllmcost.so.1"

# Defined dynamic symbols, less the version node itself (type A, LLMCOST_1).
nm -D --defined-only "$LIB" | awk '$2 != "A" { sub(/@.*/, "", $3); print $3 }' | sort -u >"$TMP/exported"
[ -s "$TMP/exported" ] || fail "$LIB exports nothing"
if grep -v '^llmcost_' "$TMP/exported" >"$TMP/stray"; then
    fail "exported symbols not named llmcost_*: $(tr '\n' ' ' <"$TMP/stray")"
fi

for h in "$SRC"/include/llmcost/*.h; do
    "$CC" -E -P -I"$SRC/include" "$h"
done | declared | sort -u >"$TMP/declared"
[ "$(wc -l <"$TMP/declared")" -gt 100 ] || fail "found only $(wc -l <"$TMP/declared") declarations in the headers"
comm -13 "$TMP/exported" "$TMP/declared" >"$TMP/missing"
comm -23 "$TMP/exported" "$TMP/declared" >"$TMP/extra"
[ ! -s "$TMP/missing" ] || fail "declared in include/llmcost/ but not exported: $(tr '\n' ' ' <"$TMP/missing")"
[ ! -s "$TMP/extra" ] || fail "exported but declared in no public header: $(tr '\n' ' ' <"$TMP/extra")"

# llmcost.h alone declares everything, and names every header of the directory.
"$CC" -E -P -I"$SRC/include" "$SRC/include/llmcost/llmcost.h" | declared | sort -u >"$TMP/umbrella"
cmp -s "$TMP/umbrella" "$TMP/declared" ||
    fail "llmcost/llmcost.h misses declarations: $(comm -13 "$TMP/umbrella" "$TMP/declared" | tr '\n' ' ')"
for h in "$SRC"/include/llmcost/*.h; do
    b=$(basename "$h")
    [ "$b" = llmcost.h ] || grep -q "^#include \"$b\"" "$SRC/include/llmcost/llmcost.h" ||
        fail "llmcost/llmcost.h does not include $b"
done

readelf -d "$PROG" | grep -q 'NEEDED.*\[libllmcost\.so\.1\]' || fail "$PROG does not link libllmcost.so.1"
out=$("$PROG")
case "$out" in
    *" 6738415616") ;;
    *) fail "$PROG printed '$out', not LLaMA-7B's 6738415616 parameters" ;;
esac
echo "libllmcost.so.1: $(wc -l <"$TMP/exported") symbols exported, each declared in include/llmcost/; $PROG runs: $out"
