"""Which accelerator this machine has, asked of nvidia-smi (no torch import, no CUDA init)."""

from __future__ import annotations

import functools
import platform
import re
import shutil
import subprocess
from dataclasses import dataclass
from importlib import metadata


@dataclass(frozen=True)
class Device:
    gpu: bool
    name: str  # "NVIDIA H100 80GB HBM3" or "cpu (x86_64)"
    driver: str | None = None
    cuda: str | None = None

    def provenance(self) -> dict:
        def version(pkg: str) -> str | None:
            try:
                return metadata.version(pkg)
            except metadata.PackageNotFoundError:
                return None

        return {"device": self.name, "driver": self.driver, "cuda": self.cuda,
                "torch": version("torch"), "triton": version("triton")}


@functools.lru_cache(maxsize=1)
def detect() -> Device:
    cpu = Device(False, f"cpu ({platform.machine()})")
    if not shutil.which("nvidia-smi"):
        return cpu
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version",
                              "--format=csv,noheader"], capture_output=True, text=True, timeout=20)
        head = subprocess.run(["nvidia-smi"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.TimeoutExpired):
        return cpu
    first = out.stdout.strip().splitlines()[0] if out.returncode == 0 and out.stdout.strip() else ""
    if not first:
        return cpu
    name, _, driver = (s.strip() for s in first.partition(","))
    cuda = re.search(r"CUDA Version:\s*([\d.]+)", head)
    return Device(True, name, driver or None, cuda.group(1) if cuda else None)
