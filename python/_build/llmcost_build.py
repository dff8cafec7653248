"""A PEP 517 build backend in the standard library only, so that `pip install ./python` works offline (no
setuptools or wheel to fetch): the wheel holds the package and the libllmcost.so that `make python` copied into
it, tagged for this platform because of that library."""

import base64
import hashlib
import io
import os
import re
import sysconfig
import tarfile
import zipfile

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAME = "llmcost"


def _version():
    with open(os.path.join(HERE, NAME, "__init__.py"), encoding="utf-8") as f:
        return re.search(r'^__version__ = "([^"]+)"', f.read(), re.M).group(1)


def _metadata():
    with open(os.path.join(HERE, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    return ("Metadata-Version: 2.1\nName: %s\nVersion: %s\n"
            "Summary: LLM training cost (parameters, FLOPs, memory, step time, cost) from the llmcost C library\n"
            "Requires-Python: >=3.9\nLicense: see the llmcost repository\n"
            "Description-Content-Type: text/markdown\n\n%s" % (NAME, _version(), readme))


def _tag():
    plat = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    return "py3-none-" + plat


def _files():
    pkg = os.path.join(HERE, NAME)
    out = []
    for name in sorted(os.listdir(pkg)):
        path = os.path.join(pkg, name)
        if os.path.isfile(path) and (name.endswith(".py") or name == "py.typed" or name.startswith("libllmcost.so")):
            out.append((NAME + "/" + name, path))
    if not any(a.startswith(NAME + "/libllmcost.so") for a, _ in out):
        raise RuntimeError("python/llmcost/libllmcost.so is missing: run `make python` first, which builds the "
                           "library and copies it into the package")
    return out


def _dist_info():
    return "%s-%s.dist-info" % (NAME, _version())


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    d = os.path.join(metadata_directory, _dist_info())
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "METADATA"), "w", encoding="utf-8") as f:
        f.write(_metadata())
    with open(os.path.join(d, "WHEEL"), "w", encoding="utf-8") as f:
        f.write(_wheel_text())
    return _dist_info()


def _wheel_text():
    return "Wheel-Version: 1.0\nGenerator: llmcost_build\nRoot-Is-Purelib: false\nTag: %s\n" % _tag()


def _record_line(arcname, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d\n" % (arcname, digest, len(data))


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    name = "%s-%s-%s.whl" % (NAME, _version(), _tag())
    record = ""
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w", zipfile.ZIP_DEFLATED) as z:
        for arcname, path in _files():
            with open(path, "rb") as f:
                data = f.read()
            info = zipfile.ZipInfo(arcname, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = (0o755 if ".so" in arcname else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
            record += _record_line(arcname, data)
        for fname, text in (("METADATA", _metadata()), ("WHEEL", _wheel_text())):
            arcname = _dist_info() + "/" + fname
            z.writestr(arcname, text)
            record += _record_line(arcname, text.encode())
        record += _dist_info() + "/RECORD,,\n"
        z.writestr(_dist_info() + "/RECORD", record)
    return name


def build_sdist(sdist_directory, config_settings=None):
    base = "%s-%s" % (NAME, _version())
    name = base + ".tar.gz"
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz") as t:
        for rel in ["pyproject.toml", "README.md", "_build/llmcost_build.py"] + [a for a, _ in _files()]:
            t.add(os.path.join(HERE, rel), arcname=base + "/" + rel)
        pkg_info = _metadata().encode()
        info = tarfile.TarInfo(base + "/PKG-INFO")
        info.size = len(pkg_info)
        t.addfile(info, io.BytesIO(pkg_info))
    return name
