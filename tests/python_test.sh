#!/bin/sh
# python_test.sh BUILD SRC - the Python package's tests (tests/python, unittest) against BUILD's libllmcost.so and
# CLI: the same arguments give the CLI's JSON, errors, threads, `pip install ./python` into a venv, and
# examples/notebook.py. Skipped (exit 77, which ctest reports as skipped) when python3 is absent or older than 3.9.
build=$1 src=$2
if ! command -v python3 >/dev/null 2>&1; then
    echo "skipped: python3 absent"
    exit 77
fi
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 9))'; then
    echo "skipped: python3 is $(python3 -c 'import sys; print(sys.version.split()[0])'), the package needs 3.9 or newer"
    exit 77
fi
LLMCOST_LIBRARY=$build/libllmcost.so LLMCOST_BIN=$build/llmcost PYTHONPATH=$src/python PYTHONDONTWRITEBYTECODE=1 \
    exec python3 -m unittest discover -s "$src/tests/python" -t "$src/tests/python" -v
