"""``ferlib download``: fetch Kaggle's ``msambare/fer2013`` for users who have no copy."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from ferlib.data.locate import ENV_VAR
from ferlib.errors import DownloadError

KAGGLE_HANDLE = "msambare/fer2013"
#: Checked before kagglehub starts, so an offline machine fails at once instead of retrying.
KAGGLE_HOST: tuple[str, int] = ("www.kaggle.com", 443)

BY_HAND = (
    "To get the data by hand: open https://www.kaggle.com/datasets/msambare/fer2013, download the zip,\n"
    f"unzip it into a folder DIR (so DIR/train and DIR/test exist), then set {ENV_VAR}=DIR or pass DIR\n"
    "to ferlib. Kaggle credentials, if needed, go in ~/.kaggle/kaggle.json or KAGGLE_USERNAME/KAGGLE_KEY."
)


def download_fer2013(destination: str | os.PathLike[str], *, timeout: float = 5.0) -> Path:
    """Download FER-2013 into ``destination`` and return it; ``DownloadError`` says what to do by hand."""
    destination = Path(destination).expanduser()
    try:
        socket.create_connection(KAGGLE_HOST, timeout=timeout).close()
    except OSError as error:
        raise DownloadError(f"cannot reach {KAGGLE_HOST[0]} ({error}).\n{BY_HAND}") from error
    try:
        import kagglehub

        path = kagglehub.dataset_download(KAGGLE_HANDLE, output_dir=str(destination))
    except Exception as error:  # kagglehub raises many types: network, auth, HTTP
        raise DownloadError(f"kagglehub could not download {KAGGLE_HANDLE}: {error}\n{BY_HAND}") from error
    return Path(path)
