"""Exceptions and warnings that ferlib raises, so callers can catch ferlib's own failures."""

from __future__ import annotations


class FerlibError(Exception):
    """Base class of every error ferlib raises on purpose."""

    def _render_traceback_(self) -> list[str]:
        """In Jupyter, show the message alone: it says what to do, a stack of frames would not."""
        return [f"{type(self).__name__}: {self}"]


class DatasetNotFoundError(FerlibError, FileNotFoundError):
    """No FER-2013 copy where ferlib looked; the message says where and how to get one."""


class DatasetFormatError(FerlibError, ValueError):
    """The data is there but does not have the expected layout or content; the message says which file."""


class DownloadError(FerlibError, RuntimeError):
    """``ferlib download`` could not fetch the data; the message says what to do by hand."""


class ModelFileError(FerlibError, ValueError):
    """A model file is missing, damaged, unsafe to load, or not a seven-emotion classifier."""


class ConfigError(FerlibError, ValueError):
    """A run setting is out of range or unknown; the message names the setting and what it accepts."""


class MissingExtraError(FerlibError, ImportError):
    """An optional feature was asked for without its extra installed; the message names the extra."""


class DataQualityWarning(UserWarning):
    """Images were converted or left out while loading; the message counts and names them."""
