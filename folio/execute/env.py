"""What a post's kernel is started with: which interpreter, and which environment variables.

Both are held fixed, so that what the kernel sees is what the cache key says:

- the interpreter is the one running the build (``sys.executable``), not whatever a
  ``python3`` kernelspec on ``JUPYTER_PATH`` or ``PATH`` resolves to; its path and version are
  in the key (``cachekey.interpreter``);
- the environment is an allow-list: what a process needs to run at all (``PASSED``: the search
  path, the home and temporary folders, where CUDA is) is passed through and not keyed, as it
  differs between machines without changing results; everything that could change a result is
  set here to a fixed value (``FIXED``, in the key), whatever the author's shell says; the rest
  (the locale, ``PYTHONSTARTUP``, the shell's ``PYTHONPATH``, ...) is not passed at all. BLAS and
  OpenMP use one thread each, on every machine and for every ``--jobs``: a reduction split over
  more threads adds in another order and can change the last digits.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

PASSED = (
    "PATH", "HOME", "USER", "LOGNAME", "SHELL", "TMPDIR", "TEMP", "TMP", "SYSTEMROOT",
    "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_RUNTIME_DIR", "MPLCONFIGDIR",
    "IPYTHONDIR", "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR",
    "JUPYTER_PLATFORM_DIRS", "VIRTUAL_ENV",
    "LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH", "CUDA_HOME", "CUDA_PATH", "CUDA_VISIBLE_DEVICES",
    "NVIDIA_VISIBLE_DEVICES", "TRITON_CACHE_DIR", "TORCHINDUCTOR_CACHE_DIR",
)

THREADS = "1"
FIXED = {
    "PYTHONHASHSEED": "0",
    "PYTHONUTF8": "1",
    "TZ": "UTC",
    "OMP_NUM_THREADS": THREADS, "MKL_NUM_THREADS": THREADS, "OPENBLAS_NUM_THREADS": THREADS,
    "NUMEXPR_NUM_THREADS": THREADS, "VECLIB_MAXIMUM_THREADS": THREADS,
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
}
# Without CUDA, Triton kernels run on CPU tensors in its interpreter (set before torch imports).
NO_GPU = {"TRITON_INTERPRET": "1"}

_FOLIO_PARENT = Path(__file__).resolve().parent.parent.parent  # the folder holding folio/


def keyed(gpu: bool) -> dict[str, str]:
    """The variables whose values are in the cache key: the same on every machine."""
    return {**FIXED, **({} if gpu else NO_GPU)}


def kernel_env(post_dir: Path, root: Path, slug: str, gpu: bool) -> dict[str, str]:
    env = {k: os.environ[k] for k in PASSED if k in os.environ}
    # The post's folder (its modules), the project (kernels/) and this very folio, ahead of
    # anything installed: the kernel imports the folio that builds, whatever the shell's
    # PYTHONPATH says.
    path = [str(Path(post_dir).resolve()), str(Path(root).resolve()), str(_FOLIO_PARENT)]
    env.update(keyed(gpu))
    env.update({"PYTHONPATH": os.pathsep.join(dict.fromkeys(path)), "FOLIO_SLUG": slug})
    return env


def kernel_argv() -> list[str]:
    """The kernel's command: ipykernel in the interpreter running the build."""
    return [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
