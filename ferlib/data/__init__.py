"""FER-2013 on disk to uint8 arrays in memory: locating, reading, checking, caching.

TensorFlow is not imported here; the tf.data pipelines live in ``ferlib.pipeline``.
"""

from ferlib.data.csv_format import write_csv
from ferlib.data.dataset import FER2013, Split, load_fer2013
from ferlib.data.duplicates import DuplicateReport, find_duplicates
from ferlib.data.locate import ENV_VAR, resolve_data_dir
from ferlib.data.records import SPLITS

__all__ = [
    "ENV_VAR",
    "FER2013",
    "SPLITS",
    "DuplicateReport",
    "Split",
    "find_duplicates",
    "load_fer2013",
    "resolve_data_dir",
    "write_csv",
]
