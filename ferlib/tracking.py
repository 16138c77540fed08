"""Faces followed from frame to frame: a track id per face, and scores smoothed over recent frames.

A face keeps its id while its box overlaps its box in the previous frames (intersection over union);
its scores are an exponential moving average over about ``window`` frames, so a still face's label
stops flickering between two close classes while a real change of expression still shows within a
few frames. One tracker follows one stream (a video, a camera): make a new one for the next.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ferlib.errors import ConfigError
from ferlib.faces import Box
from ferlib.labels import EMOTIONS
from ferlib.recognizer import FaceEmotion


def overlap(a: Box, b: Box) -> float:
    """Intersection over union of two boxes, 0 (apart) to 1 (the same box)."""
    width = min(a.x + a.w, b.x + b.w) - max(a.x, b.x)
    height = min(a.y + a.h, b.y + b.h) - max(a.y, b.y)
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    return inter / (a.w * a.h + b.w * b.h - inter)


@dataclass
class _Track:
    id: int
    box: Box
    scores: dict[str, float]
    missing: int = 0


@dataclass
class FaceTracker:
    """Give each face a ``track`` id that lasts while it stays in view, and smooth its scores.

    ``window``: frames the moving average spans (1: no smoothing); ``min_overlap``: the box overlap
    that continues a track; ``max_missing``: frames a face may go undetected before its track ends.
    """

    window: int = 5
    min_overlap: float = 0.3
    max_missing: int = 5
    _tracks: list[_Track] = field(default_factory=list, init=False, repr=False)
    _next_id: int = field(default=0, init=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.window, int) or self.window < 1:
            raise ConfigError(f"window must be an integer >= 1 (1: no smoothing), got {self.window!r}")
        if not 0.0 < self.min_overlap <= 1.0:
            raise ConfigError(f"min_overlap must be a number in (0, 1], got {self.min_overlap!r}")
        if not isinstance(self.max_missing, int) or self.max_missing < 0:
            raise ConfigError(f"max_missing must be an integer >= 0, got {self.max_missing!r}")

    @property
    def weight(self) -> float:
        """The weight of the newest frame in the moving average: 2 / (window + 1)."""
        return 2.0 / (self.window + 1)

    def update(self, faces: list[FaceEmotion]) -> list[FaceEmotion]:
        """The faces of the next frame with their track ids and smoothed scores, in the same order."""
        pairs = sorted(
            (
                (overlap(track.box, face.box), t, f)
                for t, track in enumerate(self._tracks)
                for f, face in enumerate(faces)
            ),
            reverse=True,
        )
        matched: dict[int, _Track] = {}
        used: set[int] = set()
        for score, t, f in pairs:  # greedy: the best-overlapping pairs first
            if score < self.min_overlap or f in matched or t in used:
                continue
            matched[f] = self._tracks[t]
            used.add(t)
        result, seen = [], set()
        for f, face in enumerate(faces):
            track = matched.get(f)
            if track is None:
                track = _Track(self._next_id, face.box, dict(face.scores))
                self._next_id += 1
                self._tracks.append(track)
            else:
                track.scores = {
                    e: track.scores[e] + self.weight * (face.scores[e] - track.scores[e]) for e in EMOTIONS
                }
                track.box, track.missing = face.box, 0
            seen.add(track.id)
            result.append(replace(face, scores=dict(track.scores), track=track.id))
        for track in self._tracks:
            if track.id not in seen:
                track.missing += 1
        self._tracks = [track for track in self._tracks if track.missing <= self.max_missing]
        return result
