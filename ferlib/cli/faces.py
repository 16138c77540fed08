"""``ferlib demo``, ``ferlib detect`` and ``ferlib video``: emotions of the faces in a photo, in images
and in one video."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ferlib.cli.common import add_recognizer_options, recognizer, write_image
from ferlib.errors import ImageError

if TYPE_CHECKING:
    from ferlib.recognizer import FaceEmotion


def add_demo(commands: argparse._SubParsersAction) -> None:
    """``ferlib demo``: the shipped model on a real photo."""
    demo = commands.add_parser("demo", help="the shipped model on a real photo: annotated image and emotions")
    demo.add_argument("--out", default="ferlib-demo.png", help="where to write the annotated photo")
    add_recognizer_options(demo)
    demo.set_defaults(run=_demo)


def add_detect(commands: argparse._SubParsersAction) -> None:
    """``ferlib detect``: every face in one or more images."""
    detect = commands.add_parser("detect", help="emotions of every face in one or more images")
    detect.add_argument("images", nargs="+", help="image files")
    detect.add_argument("--out", metavar="DIR", help="write annotated copies into DIR")
    detect.add_argument("--json", action="store_true", help="print one JSON list, an object per image")
    add_recognizer_options(detect)
    detect.set_defaults(run=_detect)


def add_video(commands: argparse._SubParsersAction) -> None:
    """``ferlib video``: every frame of one video file."""
    video = commands.add_parser("video", help="emotions in every frame of a video file")
    video.add_argument("input", help="video file")
    video.add_argument("--out", help="write an annotated MP4 here")
    video.add_argument("--csv", help="write one row per face per frame here")
    add_video_options(video)
    video.set_defaults(run=_video)


def add_video_options(command: argparse.ArgumentParser) -> None:
    """The options ``ferlib video`` and ``ferlib videos`` share: model, detector, smoothing, frame step."""
    add_recognizer_options(command)
    command.add_argument(
        "--window", type=int, default=5, help="smooth each face's scores over about this many frames (1: off)"
    )
    command.add_argument(
        "--every", type=int, default=1, metavar="N", help="read every Nth frame only (default: 1, all)"
    )


def _describe(faces: list[FaceEmotion]) -> str:
    if not faces:
        return "no face found"
    return "; ".join(
        f"face at {face.box.as_list()}: {face.emotion} ({face.scores[face.emotion]:.0%})" for face in faces
    )


def _demo(args: argparse.Namespace) -> int:
    from ferlib.samples import grace_hopper

    photo = grace_hopper()
    found = recognizer(args)
    faces = found.recognize(photo)
    write_image(Path(args.out), found.annotate(photo, faces))
    print(f"{photo.name}: {_describe(faces)}")
    print(f"annotated photo written to {args.out}")
    return 0


def _detect(args: argparse.Namespace) -> int:
    import json

    found = recognizer(args)
    report = []
    failed = 0
    for image in args.images:
        try:
            faces = found.recognize(image)
        except ImageError as error:
            print(f"ferlib detect: {error}", file=sys.stderr)
            failed += 1
            continue
        report.append({"image": image, "faces": [face.to_dict() for face in faces]})
        if args.out:
            write_image(Path(args.out) / Path(image).name, found.annotate(image, faces))
        if not args.json:
            print(f"{image}: {_describe(faces)}")
    if args.json:
        print(json.dumps(report))
    return 2 if failed else 0


def _video(args: argparse.Namespace) -> int:
    from ferlib.video import process_video

    result = process_video(
        recognizer(args), args.input, out=args.out, csv_path=args.csv, window=args.window, every=args.every
    )
    with_faces = sum(1 for faces in result if faces)
    tracks = len({face.track for faces in result for face in faces})
    print(
        f"{args.input}: {len(result)} frames at {result.fps:g} fps, faces in {with_faces}, {tracks} tracked"
    )
    for path in (args.out, args.csv):
        if path:
            print(f"written {path}")
    return 0
