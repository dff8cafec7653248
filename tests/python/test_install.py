"""`pip install ./python` offline into a fresh virtual environment, then `import llmcost` from outside the source
tree: the installed package uses its own copy of the library and answers what the CLI answers."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import llmcost

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("LLMCOST_BIN", str(ROOT / "build" / "llmcost"))

PROBE = """
import json, llmcost
m = llmcost.load("llama-7b")
print(json.dumps({"library": str(llmcost.library_path()), "file": llmcost.__file__,
                  "params": m.params().to_dict(), "step": m.step(gpu="h100", gpus=8).to_dict()}))
"""


class Install(unittest.TestCase):
    def test_pip_install_offline_and_import_elsewhere(self):
        with tempfile.TemporaryDirectory() as d:
            d = Path(d)
            # What `make python` does: the package with its own copy of the library (here staged apart, so that the
            # test leaves the source tree as it was).
            stage = d / "src"
            shutil.copytree(ROOT / "python", stage, ignore=shutil.ignore_patterns("__pycache__", "libllmcost.so*"))
            shutil.copyfile(llmcost.library_path(), stage / "llmcost" / "libllmcost.so")
            venv = d / "venv"
            r = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True)
            if r.returncode != 0:
                self.skipTest("python3 -m venv is not available here: %s" % r.stderr.strip().splitlines()[-1:])
            py = venv / "bin" / "python"
            env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "LLMCOST_LIBRARY")}
            env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
            r = subprocess.run([str(py), "-m", "pip", "install", "--no-index", "--no-cache-dir", str(stage)],
                               capture_output=True, text=True, env=env, cwd=str(d))
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            shutil.rmtree(stage)  # the installed package must not need the staged source
            r = subprocess.run([str(py), "-c", PROBE], capture_output=True, text=True, env=env, cwd=str(d))
            self.assertEqual(r.returncode, 0, r.stderr)
            got = json.loads(r.stdout)
            self.assertTrue(got["file"].startswith(str(venv)), got["file"])
            self.assertTrue(got["library"].startswith(str(venv)), got["library"])
            want = subprocess.run([BIN, "params", "llama-7b", "--format", "json"], capture_output=True, text=True,
                                  check=True).stdout
            self.assertEqual(got["params"], json.loads(want))
            self.assertEqual(got["params"]["total"], 6738415616)  # LLaMA-7B, transformers' num_parameters()
            want = subprocess.run([BIN, "step", "llama-7b", "--gpu", "h100", "--gpus", "8", "--format", "json"],
                                  capture_output=True, text=True, check=True).stdout
            self.assertEqual(got["step"], json.loads(want))


if __name__ == "__main__":
    unittest.main()
