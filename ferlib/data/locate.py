"""Where FER-2013 is: one resolver used by every loader, command and notebook."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ferlib.errors import DatasetNotFoundError

ENV_VAR = "FER2013_DIR"
DEFAULT_RELATIVE = Path("data") / "fer2013"

HOW_TO_GET_IT = (
    "get it with `ferlib download DIR` (needs access to Kaggle), or unzip Kaggle's msambare/fer2013 into DIR "
    f"by hand (DIR/train/<emotion>/*.jpg; fer2013.csv works too; see data/README.md), then set {ENV_VAR}=DIR"
)


@dataclass(frozen=True)
class DataLocation:
    """A data folder (or CSV file) and why ferlib chose it."""

    path: Path
    origin: str  # "argument", the environment variable's name, or "default"


def candidate_locations(path: str | os.PathLike[str] | None = None) -> list[DataLocation]:
    """The places ferlib looks, in order: the explicit path, else ``FER2013_DIR``, else
    ``data/fer2013`` in the working directory or any folder above it (so notebooks in
    ``notebooks/`` find the repository's ``data/``)."""
    if path is not None:
        return [DataLocation(Path(path).expanduser(), "argument")]
    from_env = os.environ.get(ENV_VAR, "").strip()
    if from_env:
        return [DataLocation(Path(from_env).expanduser(), ENV_VAR)]
    here = Path.cwd().resolve()
    return [DataLocation(folder / DEFAULT_RELATIVE, "default") for folder in (here, *here.parents)]


def resolve_data_dir(path: str | os.PathLike[str] | None = None) -> DataLocation:
    """The first existing candidate location; ``DatasetNotFoundError`` naming every place tried."""
    candidates = candidate_locations(path)
    for candidate in candidates:
        if candidate.path.exists():
            return candidate
    looked = "; ".join(f"{c.path} ({c.origin})" for c in candidates[:3])
    more = f" and {len(candidates) - 3} folders above" if len(candidates) > 3 else ""
    raise DatasetNotFoundError(f"FER-2013 was not found (looked in {looked}{more}): {HOW_TO_GET_IT}")
