#!/usr/bin/env bash
# tests/valgrind/run.sh BINARY - runs each command line of tests/valgrind/commands.txt under valgrind's memcheck
# and fails if valgrind finds a leak (definite, indirect or possible) or a memory error, or if the exit status is
# not the one expected. Run from the repository root (make valgrind does).
set -uo pipefail
bin=${1:?usage: run.sh path/to/llmcost}
list=tests/valgrind/commands.txt
log=$(mktemp)
trap 'rm -f "$log"' EXIT
failed=0 n=0
while read -r want args; do
  [[ -z "$want" || "$want" == \#* ]] && continue
  n=$((n + 1))
  # shellcheck disable=SC2086 # the arguments are split on purpose
  valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect,possible \
    --errors-for-leak-kinds=definite,indirect,possible "$bin" $args >/dev/null 2>"$log"
  rc=$?
  if [[ $rc -eq 99 ]]; then
    echo "valgrind: llmcost $args: memory error or leak:"; cat "$log"; failed=1
  elif [[ $rc -ne $want ]]; then
    echo "valgrind: llmcost $args: exit $rc, expected $want:"; tail -5 "$log"; failed=1
  fi
done <"$list"
if [[ $failed -eq 0 ]]; then echo "valgrind: $n command lines, no leak, no memory error"; fi
exit $failed
