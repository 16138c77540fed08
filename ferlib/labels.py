"""The seven FER-2013 emotions, in the data set's own numbering.

FER-2013's ``fer2013.csv`` numbers the classes 0=angry, 1=disgust, 2=fear, 3=happy, 4=sad,
5=surprise, 6=neutral. ferlib keeps exactly that order everywhere (labels, model outputs, plots),
whatever the source, so a label index means the same thing in every paper and tool that uses FER-2013.
"""

from __future__ import annotations

from ferlib.errors import ConfigError

EMOTIONS: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
NUM_CLASSES: int = len(EMOTIONS)

#: One colour per emotion (hex), shared by every plot and overlay.
COLOURS: dict[str, str] = {
    "angry": "#d62728",
    "disgust": "#8c564b",
    "fear": "#9467bd",
    "happy": "#ffbf00",
    "sad": "#1f77b4",
    "surprise": "#17becf",
    "neutral": "#7f7f7f",
}


def emotion_index(name: str) -> int:
    """Index of an emotion name (case-insensitive); a clear ``ValueError`` for an unknown one."""
    key = name.strip().lower()
    if key not in EMOTIONS:
        raise ConfigError(f"unknown emotion {name!r}: expected one of {', '.join(EMOTIONS)}")
    return EMOTIONS.index(key)
