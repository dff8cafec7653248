#!/usr/bin/env python3
"""gen_docs.py - refreshes the generated parts of the docs from the built tool, so they stay true to the code.

Between '<!-- llmcost: ARGS -->' and '<!-- end -->' a Markdown file holds the output of `llmcost ARGS`, in a fenced
block when ARGS asks for text and as-is for --format md. docs/validation.md is `llmcost validate --format md`
whole. tests/test_docs.c checks both, so CI fails when a doc is stale. Usage: tools/gen_docs.py [build/llmcost]
"""
import re
import subprocess
import sys

BIN = sys.argv[1] if len(sys.argv) > 1 else "build/llmcost"
FILES = ["README.md", "docs/what-6nd-misses.md"]


def run(args):
    r = subprocess.run([BIN] + args.split(), capture_output=True, text=True, env={"LC_ALL": "C"})
    return r.stdout


def refresh(path):
    text = open(path).read()
    def repl(m):
        args = m.group(1).strip()
        out = run(args)
        body = out if "--format md" in args else "```\n$ llmcost " + args + "\n" + out + "```\n"
        return "<!-- llmcost: " + args + " -->\n" + body + "<!-- end -->"
    new = re.sub(r"<!-- llmcost: (.*?) -->\n.*?<!-- end -->", repl, text, flags=re.S)
    if new != text:
        open(path, "w").write(new)
        print("refreshed", path)


for f in FILES:
    refresh(f)
with open("docs/validation.md", "w") as f:
    f.write(run("validate --format md"))
