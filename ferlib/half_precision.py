"""Half-precision storage: a ``.keras`` file whose float32 weights are stored as float16, half the size.

Keras reads a stored float16 weight into the model's float32 variable, so such a file still loads with
plain ``keras.saving.load_model`` in safe mode and still computes in float32; only the stored values are
rounded to about three significant digits (values below 6e-5 keep fewer and those below 3e-8 become
zero, too small to matter in a trained network; values beyond float16's range are refused). That is how
an ensemble of several networks fits the size a Python package may reasonably carry
(``ferlib ensemble --half-precision``).
"""

from __future__ import annotations

import io
import os
import zipfile

import h5py
import numpy as np

from ferlib.errors import ModelFileError

_WEIGHTS = "model.weights.h5"


def store_weights_as_float16(path: str | os.PathLike[str]) -> None:
    """Rewrite the ``.keras`` file at ``path`` in place with every float32 weight stored as float16.

    Other weights (integer counters, seeds) and the model's configuration are kept as they are.
    ``ModelFileError`` if ``path`` is not a ``.keras`` archive with its weights in one HDF5 file.
    Callers that must not lose the original write to a temporary copy first (``ferlib.io.atomic_path``).
    """
    entries = _entries(path)
    info, weights = entries[_WEIGHTS]
    entries[_WEIGHTS] = info, _halved(weights)
    with zipfile.ZipFile(path, "w") as archive:
        for info, data in entries.values():
            archive.writestr(info, data)


def stored_weight_dtypes(path: str | os.PathLike[str]) -> set[str]:
    """The dtypes in which the ``.keras`` file at ``path`` stores its weights (e.g. ``{"float16"}``)."""
    dtypes: set[str] = set()

    def note(_: str, item: h5py.Group | h5py.Dataset) -> None:
        if isinstance(item, h5py.Dataset):
            dtypes.add(str(item.dtype))

    _, weights = _entries(path)[_WEIGHTS]
    with h5py.File(io.BytesIO(weights), "r") as stored:
        stored.visititems(note)
    return dtypes


def _entries(path: str | os.PathLike[str]) -> dict[str, tuple[zipfile.ZipInfo, bytes]]:
    """Every entry of the ``.keras`` archive at ``path`` by name; ``ModelFileError`` if it is not one,
    or if its weights are not in one HDF5 file."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = {info.filename: (info, archive.read(info)) for info in archive.infolist()}
    except (OSError, zipfile.BadZipFile) as error:
        raise ModelFileError(f"{path}: not a readable .keras archive ({error})") from error
    if _WEIGHTS not in entries:
        raise ModelFileError(f"{path}: a .keras archive without {_WEIGHTS}; cannot read its weights")
    return entries


def _halved(weights_file: bytes) -> bytes:
    """An HDF5 weights file like ``weights_file``, with its float32 datasets as float16."""
    halved = io.BytesIO()
    with h5py.File(io.BytesIO(weights_file), "r") as source, h5py.File(halved, "w") as target:
        target.attrs.update(source.attrs)

        def copy(name: str, item: h5py.Group | h5py.Dataset) -> None:
            if isinstance(item, h5py.Dataset) and item.dtype == np.float32:
                values = item[()]
                if np.abs(values).max(initial=0) > np.finfo(np.float16).max:
                    raise ModelFileError(f"weight {name} holds values beyond float16's range; keep float32")
                target.create_dataset(name, data=values.astype(np.float16)).attrs.update(item.attrs)
            elif isinstance(item, h5py.Dataset):
                target.create_dataset(name, data=item[()]).attrs.update(item.attrs)
            else:
                target.require_group(name).attrs.update(item.attrs)

        source.visititems(copy)
    return halved.getvalue()
