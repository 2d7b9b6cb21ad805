"""Writing benchmark results: JSON files replaced atomically."""

from __future__ import annotations

import json
import os
import platform
import tempfile
from pathlib import Path


def versions() -> dict:
    """The versions that a benchmark's numbers depend on."""
    import sklearn
    import torch

    import sknoisy

    return {
        "sknoisy": sknoisy.__version__,
        "scikit-learn": sklearn.__version__,
        "torch": torch.__version__,
        "python": platform.python_version(),
    }


def write_json_atomically(payload: dict, path: Path) -> None:
    """Write ``payload`` to ``path`` so that readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(payload, handle, indent=2)
            handle.write("\n")
        os.chmod(tmp, 0o644)  # mkstemp creates it private
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def machine() -> dict:
    """Where a benchmark ran: platform, logical CPUs and the load on them."""
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "load_average": list(os.getloadavg()),
    }
