"""The C library through ctypes: one entry point, llmcost_request(), and nothing held between calls.

Which libllmcost is loaded:

1. the path in the environment variable ``LLMCOST_LIBRARY``;
2. in a source checkout (``python/llmcost`` beside ``CMakeLists.txt``), ``build/libllmcost.so``;
3. the copy the package carries (``pip install ./python`` after ``make python``).
"""

from __future__ import annotations

import ctypes
import json
import os
import threading
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

__all__ = ["Error", "library_path", "request"]


class Error(ValueError):
    """A refusal of the library: bad input, with its one-line message naming the argument.

    ``code`` is the library's negative error code (-1 invalid input, -2 parse error, -3 I/O, -4 not found,
    -5 out of memory; ``include/llmcost/common.h``).
    """

    def __init__(self, message: str, code: int = -1) -> None:
        super().__init__(message)
        self.code = code


Error.__module__ = "llmcost"  # it is llmcost.Error to its users (tracebacks, repr)


def _candidates() -> List[Path]:
    env = os.environ.get("LLMCOST_LIBRARY")
    if env:
        return [Path(env)]
    here = Path(__file__).resolve().parent
    found: List[Path] = []
    root = here.parent.parent
    if (root / "CMakeLists.txt").is_file() and (root / "python" / "llmcost").is_dir():
        found += [root / "build" / "libllmcost.so"]
    found += sorted(here.glob("libllmcost.so*"))
    return found


def library_path() -> Path:
    """The libllmcost this package uses (see the module's documentation for the order)."""
    for p in _candidates():
        if p.is_file():
            return p
    tried = ", ".join(str(p) for p in _candidates()) or "nothing"
    raise Error(
        "libllmcost.so not found (tried %s): run `make` in the source tree, or `make python` before "
        "`pip install ./python`, or set LLMCOST_LIBRARY" % tried,
        -4,
    )


# The library handle is set once (a lock keeps two threads from loading it twice); the library itself keeps no
# state between calls that Python could see.
_lock = threading.Lock()
_handle: Optional[ctypes.CDLL] = None


def _lib() -> ctypes.CDLL:
    global _handle
    if _handle is not None:
        return _handle
    with _lock:
        if _handle is None:
            lib = ctypes.CDLL(str(library_path()))
            lib.llmcost_request.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_char_p, ctypes.c_char_p]
            lib.llmcost_request.restype = ctypes.c_int
            lib.llmcost_errmsg.argtypes = []
            lib.llmcost_errmsg.restype = ctypes.c_char_p
            lib.llmcost_free.argtypes = [ctypes.c_void_p]
            lib.llmcost_free.restype = None
            lib.llmcost_version.argtypes = []
            lib.llmcost_version.restype = ctypes.c_char_p
            rc = lib.llmcost_init()
            if rc < 0:
                raise Error(lib.llmcost_errmsg().decode("utf-8", "replace"), rc)
            _handle = lib
    return _handle


def version() -> str:
    """The C library's version (llmcost_version())."""
    return _lib().llmcost_version().decode()


def _jsonable(value: Any) -> Any:
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return value


def request_text(command: str, args: Mapping[str, Any]) -> str:
    """Runs ``command`` with ``args`` (names as the CLI's flags with underscores; None values left out) and returns
    the JSON text the library wrote: exactly what ``llmcost COMMAND ... --format json`` prints. Raises Error on a
    refusal."""
    lib = _lib()
    payload = json.dumps({k: _jsonable(v) for k, v in args.items() if v is not None})
    out = ctypes.c_void_p()
    # ctypes releases the GIL for the call: threads run the engines in parallel; the error message is per thread
    # in the library and read on the same thread straight after.
    rc = lib.llmcost_request(ctypes.byref(out), command.encode(), payload.encode())
    if rc < 0:
        raise Error(lib.llmcost_errmsg().decode("utf-8", "replace"), rc)
    try:
        return ctypes.string_at(out.value).decode("utf-8")
    finally:
        lib.llmcost_free(out)


def request(command: str, args: Mapping[str, Any]) -> Dict[str, Any]:
    """request_text() parsed (key order kept)."""
    doc: Dict[str, Any] = json.loads(request_text(command, args))
    return doc


def commands() -> List[str]:
    """The commands the loaded library answers (llmcost_request_commands)."""
    lib = _lib()
    table = (ctypes.c_char_p * 64).in_dll(lib, "llmcost_request_commands")
    names: List[str] = []
    for p in table:
        if p is None:
            break
        names.append(p.decode())
    return names
