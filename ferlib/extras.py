"""Optional dependencies: import one, or say which pip extra brings it."""

from __future__ import annotations

import importlib
from typing import Any

from ferlib.errors import MissingExtraError


def require_extra(module: str, extra: str) -> Any:
    """Import an optional dependency, or raise ``MissingExtraError`` naming the pip extra that has it."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise MissingExtraError(
            f'this needs the optional package {module!r}: pip install "ferlib[{extra}]"'
        ) from error
