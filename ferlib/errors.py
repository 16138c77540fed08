"""Every exception and warning that ferlib raises on purpose, in one hierarchy.

Each class subclasses the builtin a caller would already catch (``ValueError`` for bad input,
``FileNotFoundError`` for a missing dataset, ...), as scikit-learn's ``NotFittedError`` does, so code
written against the builtins keeps working while ``except FerlibError`` catches ferlib's own failures.
The command line prints any of them as one line and exits with status 2.
"""

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
    """A model file or its card is missing, damaged, unsafe to load, or not a seven-emotion classifier."""


class ConfigError(FerlibError, ValueError):
    """A setting or a name is out of range or unknown; the message names it and what it accepts."""


class UnknownSplitError(ConfigError, KeyError):
    """``fer2013[name]`` with a name that is not one of the three splits."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class ImageError(FerlibError, ValueError):
    """A picture given to ferlib is missing, undecodable, or an array it cannot read as an image."""


class UnreadableImageError(ImageError):
    """The bytes are not a complete image that OpenCV can decode."""


class VideoError(FerlibError, ValueError):
    """A video file cannot be opened, has no decodable frame, or cannot be written where asked."""


class CameraError(FerlibError, RuntimeError):
    """A camera or video source could not be opened, or stopped delivering frames."""


class OutputError(FerlibError, OSError):
    """A result (a picture, a figure, a file) cannot be written where asked."""


class RunExistsError(FerlibError, FileExistsError):
    """The output folder holds a finished run or another run's files: ferlib never overwrites them
    unless asked (``overwrite=True``, ``ferlib train --overwrite``)."""


class BackendError(FerlibError, RuntimeError):
    """A feature that needs TensorFlow was asked for under another Keras backend, or the reverse."""


class ClusterError(FerlibError, RuntimeError):
    """The processes of a multi-host run could not start together: one missing, unreachable, or set up
    differently from the others."""


class MissingExtraError(FerlibError, ImportError):
    """An optional feature was asked for without its extra installed; the message names the extra."""


class TrainingInterrupted(FerlibError, RuntimeError):
    """A run stopped on purpose by ``InterruptAfter``, as if the machine had gone away; not a bug."""


class DataQualityWarning(UserWarning):
    """Images were converted or left out while loading; the message counts and names them."""
