"""GPU kernels (Triton) and their plain PyTorch references, shared by posts and tests.

Hack: where there is no CUDA device we switch Triton to its CPU interpreter before any kernel
module runs ``@triton.jit``. Triton 3.9 reads ``TRITON_INTERPRET`` lazily, through
``triton.knobs.runtime.interpret``, at the moment a function is decorated, so our own kernels only
need the variable set before ``kernels.wq_matmul`` is imported. But ``import triton`` itself
decorates the standard library (``tl.zeros``, ``tl.sum``, ``tl.cdiv``, ...): if some other module
imported triton first (one pytest process running every test, a notebook), those stay compiled
``JITFunction``s and raise "Cannot call @triton.jit'd outside of the scope of a kernel" inside an
interpreted kernel. So when triton is already loaded we also pin the knob and re-wrap those
functions for the interpreter (``_reinterpret_loaded_triton``).
"""

from __future__ import annotations

import os
import sys


def _cuda_available() -> bool:
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a hard dependency of the repo
        return False
    return torch.cuda.is_available()


CUDA = _cuda_available()


def _reinterpret_loaded_triton() -> None:
    """Turn the already-decorated ``triton.language`` JIT functions into interpreted ones."""
    import triton
    import triton.language as tl
    from triton.runtime.interpreter import InterpretedFunction
    from triton.runtime.jit import JITFunction

    triton.knobs.runtime.interpret = True
    modules = [m for name, m in list(sys.modules.items())
               if m is not None and (name == "triton.language" or name.startswith("triton.language."))]
    interpreted: dict[int, InterpretedFunction] = {}

    def convert(jit_fn: JITFunction) -> InterpretedFunction:
        return interpreted.setdefault(id(jit_fn), InterpretedFunction(jit_fn.fn))

    for module in modules:
        for name, value in list(vars(module).items()):
            if isinstance(value, JITFunction):
                setattr(module, name, convert(value))
    # Tensor methods (x.sum(), x.to(...) is a builtin and untouched): a plain function binds self,
    # which is what triton itself installs when it is imported in interpreter mode.
    for name, value in list(vars(tl.tensor).items()):
        if isinstance(value, JITFunction):
            fn = convert(value)
            setattr(tl.tensor, name, lambda *args, _fn=fn, **kwargs: _fn(*args, **kwargs))


if not CUDA:
    os.environ["TRITON_INTERPRET"] = "1"
    if "triton" in sys.modules:
        _reinterpret_loaded_triton()

# True when Triton kernels in this package run in the CPU interpreter (slow: use small shapes).
INTERPRETED = os.environ.get("TRITON_INTERPRET", "0") not in ("", "0", "false", "False")
