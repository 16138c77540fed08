"""The ``ferlib`` command line: one subcommand per job."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from ferlib.cluster import STRATEGIES
from ferlib.data.locate import DEFAULT_RELATIVE
from ferlib.errors import FerlibError, ImageError, OutputError

if TYPE_CHECKING:
    import numpy as np

    from ferlib.models import Predictor
    from ferlib.recognizer import EmotionRecognizer, FaceEmotion


MODEL_HELP = (
    "a .keras file, a .tflite export, or a shipped model by name: default (one fast network) or "
    "accurate (an average of four networks, about 3.5 times the computation per face) (default: default)"
)
DATA_HELP = "FER-2013 folder or CSV (default: $FER2013_DIR, then data/fer2013)"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; ferlib's own errors print as one message and exit with status 2.

    TensorFlow's C++ start-up lines are kept away (``import ferlib`` leaves that to its caller), unless
    ``--verbose`` asks for them; nothing before this point imports TensorFlow."""
    from ferlib._quiet import allow_tensorflow_logs, quiet_tensorflow

    parser = _parser()
    args = parser.parse_args(argv)
    if args.verbose:
        allow_tensorflow_logs()
    else:
        quiet_tensorflow()
    try:
        return args.run(args)
    except FerlibError as error:
        print(f"ferlib {args.command}: {error}", file=sys.stderr)
        return 2


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line (and exit 2), like every other ferlib error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    from ferlib._version import __version__

    parser = _Parser(prog="ferlib", description="Facial emotion recognition on FER-2013.")
    parser.add_argument("--version", action="version", version=f"ferlib {__version__}")
    parser.add_argument(
        "--verbose", action="store_true", help="also show TensorFlow's own start-up and log lines"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    info = commands.add_parser("info", help="count the images of FER-2013 per split and emotion")
    info.add_argument(
        "dir", nargs="?", help="data folder or fer2013.csv (default: $FER2013_DIR, then data/fer2013)"
    )
    info.add_argument(
        "--duplicates", action="store_true", help="also report images whose pixels occur more than once"
    )
    info.add_argument("--no-cache", action="store_true", help="read the source even if a cache exists")
    info.set_defaults(run=_info)

    download = commands.add_parser("download", help="download FER-2013 from Kaggle (msambare/fer2013)")
    download.add_argument(
        "dir", nargs="?", default=str(DEFAULT_RELATIVE), help="where to put it (default: data/fer2013)"
    )
    download.set_defaults(run=_download)
    ensemble = commands.add_parser("ensemble", help="one model that averages several models' probabilities")
    ensemble.add_argument("models", nargs="+", metavar="MODEL", help=".keras files, at least two")
    ensemble.add_argument("--out", required=True, help="the ensemble's .keras file (its card goes beside it)")
    ensemble.add_argument("--overwrite", action="store_true", help="replace an existing file and card")
    ensemble.add_argument("--data", help=f"{DATA_HELP}; the card records PublicTest accuracy")
    ensemble.add_argument(
        "--report-private-test", action="store_true", help="also measure PrivateTest (final models only)"
    )
    ensemble.add_argument(
        "--half-precision", action="store_true", help="store the weights as float16: half the file size"
    )
    ensemble.set_defaults(run=_ensemble)
    versions = commands.add_parser(
        "versions", help="Python, the machine and the package versions, for bug reports"
    )
    versions.set_defaults(run=_versions)
    _add_train(commands)

    evaluate = commands.add_parser(
        "evaluate", help="accuracy, per-class report and confusion matrix of a model"
    )
    evaluate.add_argument("--model", help=MODEL_HELP)
    evaluate.add_argument(
        "--split",
        choices=("PublicTest", "PrivateTest"),
        default="PublicTest",
        help="PublicTest chooses models; PrivateTest is the final test, for the final report only",
    )
    evaluate.add_argument("--tta", action="store_true", help="average over flipped and cropped views")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object instead of the report")
    evaluate.add_argument("--plots", metavar="DIR", help="also write the figures as PNG files into DIR")
    evaluate.add_argument("--data", help=DATA_HELP)
    evaluate.set_defaults(run=_evaluate)

    demo = commands.add_parser("demo", help="the shipped model on a real photo: annotated image and emotions")
    demo.add_argument("--out", default="ferlib-demo.png", help="where to write the annotated photo")
    _add_recognizer_options(demo)
    demo.set_defaults(run=_demo)

    detect = commands.add_parser("detect", help="emotions of every face in one or more images")
    detect.add_argument("images", nargs="+", help="image files")
    detect.add_argument("--out", metavar="DIR", help="write annotated copies into DIR")
    detect.add_argument("--json", action="store_true", help="print one JSON list, an object per image")
    _add_recognizer_options(detect)
    detect.set_defaults(run=_detect)

    video = commands.add_parser("video", help="emotions in every frame of a video file")
    video.add_argument("input", help="video file")
    video.add_argument("--out", help="write an annotated MP4 here")
    video.add_argument("--csv", help="write one row per face per frame here")
    _add_recognizer_options(video)
    video.add_argument(
        "--window", type=int, default=5, help="smooth each face's scores over about this many frames (1: off)"
    )
    video.set_defaults(run=_video)

    export = commands.add_parser("export", help="export a model for TensorFlow Lite (LiteRT)")
    export.add_argument("--tflite", choices=("float16", "int8"), default="float16", help="weight precision")
    export.add_argument("--model", help=MODEL_HELP)
    export.add_argument("--out", help="the .tflite file (default: ferlib_<precision>.tflite)")
    export.add_argument(
        "--data", help="FER-2013 for int8 calibration (default: $FER2013_DIR, then data/fer2013)"
    )
    export.set_defaults(run=_export)
    return parser


def _export(args: argparse.Namespace) -> int:
    import numpy as np

    from ferlib.tflite import export_tflite

    model = _load_model(args.model)
    faces = None
    if args.tflite == "int8":
        from ferlib.data import load_fer2013

        training = load_fer2013(args.data).training
        faces = training.images[np.random.default_rng(0).choice(len(training), 500, replace=False)]
    out = Path(args.out or f"ferlib_{args.tflite}.tflite")
    export_tflite(model, out, args.tflite, faces)
    print(f"written {out} ({out.stat().st_size / 1e6:.1f} MB, {args.tflite})")
    return 0


def _load_model(path: str | None) -> Predictor:
    """The model at ``path`` (a .keras or .tflite file, or a shipped model's name), else the default."""
    from ferlib.pretrained import resolve_model

    return resolve_model(path)


def _add_recognizer_options(command: argparse.ArgumentParser) -> None:
    from ferlib.faces import DEFAULT_DETECTOR, DETECTORS

    command.add_argument("--model", help=MODEL_HELP)
    command.add_argument(
        "--detector",
        choices=list(DETECTORS),
        default=DEFAULT_DETECTOR,
        help="the face detector (default: %(default)s, faces of every size); whole-image: each picture is "
        "one face, for faces already cropped (FER-2013's own, cropped data sets)",
    )


def _recognizer(args: argparse.Namespace) -> EmotionRecognizer:
    from ferlib.recognizer import EmotionRecognizer

    return EmotionRecognizer(args.model, args.detector)


def _describe(faces: list[FaceEmotion]) -> str:
    if not faces:
        return "no face found"
    return "; ".join(
        f"face at {face.box.as_list()}: {face.emotion} ({face.scores[face.emotion]:.0%})" for face in faces
    )


def _demo(args: argparse.Namespace) -> int:
    from ferlib.samples import grace_hopper

    photo = grace_hopper()
    recognizer = _recognizer(args)
    faces = recognizer.recognize(photo)
    _write_image(Path(args.out), recognizer.annotate(photo, faces))
    print(f"{photo.name}: {_describe(faces)}")
    print(f"annotated photo written to {args.out}")
    return 0


def _write_image(path: Path, image: np.ndarray) -> None:
    import cv2

    from ferlib.io import atomic_path

    with atomic_path(path) as tmp:
        if not cv2.imwrite(str(tmp), image):
            raise OutputError(f"could not write {path}")


def _detect(args: argparse.Namespace) -> int:
    import json

    recognizer = _recognizer(args)
    report = []
    failed = 0
    for image in args.images:
        try:
            faces = recognizer.recognize(image)
        except ImageError as error:
            print(f"ferlib detect: {error}", file=sys.stderr)
            failed += 1
            continue
        report.append({"image": image, "faces": [face.to_dict() for face in faces]})
        if args.out:
            _write_image(Path(args.out) / Path(image).name, recognizer.annotate(image, faces))
        if not args.json:
            print(f"{image}: {_describe(faces)}")
    if args.json:
        print(json.dumps(report))
    return 2 if failed else 0


def _video(args: argparse.Namespace) -> int:
    from ferlib.video import process_video

    result = process_video(_recognizer(args), args.input, out=args.out, csv_path=args.csv, window=args.window)
    with_faces = sum(1 for faces in result if faces)
    tracks = len({face.track for faces in result for face in faces})
    print(
        f"{args.input}: {len(result)} frames at {result.fps:g} fps, faces in {with_faces}, {tracks} tracked"
    )
    for path in (args.out, args.csv):
        if path:
            print(f"written {path}")
    return 0


class _DefaultsHelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Each flag's default after its help, unless the help says it already or there is none."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or "(default:" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


def _add_train(commands: argparse._SubParsersAction) -> None:
    """``ferlib train``: its flags, choices, defaults and help come from ``ferlib.config``'s tables."""
    from ferlib.config import AUGMENT_SETTINGS, TRAIN_SETTINGS, AugmentConfig, TrainConfig

    train = commands.add_parser(
        "train",
        help="train a CNN on FER-2013 with checkpoints; run it again to resume",
        formatter_class=_DefaultsHelpFormatter,
    )
    for settings, defaults in ((TRAIN_SETTINGS, TrainConfig()), (AUGMENT_SETTINGS, AugmentConfig())):
        for name, setting in settings.items():
            if setting.flag is None:
                continue
            default = getattr(defaults, name)
            if setting.kind is bool:
                train.add_argument(setting.flag, dest=name, action="store_true", help=setting.help)
                continue
            numeric = setting.kind in (int, float)
            train.add_argument(
                setting.flag,
                dest=name,
                metavar=None if setting.choices else setting.flag[2:].upper().replace("-", "_"),
                type=setting.kind,
                default=default,
                choices=setting.choices or None,
                help=f"{setting.help}: {setting.describe().removesuffix(' or None')}"
                if numeric
                else setting.help,
            )
    train.add_argument("--no-augment", action="store_true", help="train without augmentation")
    train.add_argument(
        "--overwrite", action="store_true", help="delete a run already in --out and start again"
    )
    train.add_argument(
        "--strategy", choices=STRATEGIES, default="default",
        help="mirrored: a copy of the model on every local GPU (TensorFlow); hosts: several processes or "
        "machines, each running this same command (Keras' DataParallel on JAX)",
    )  # fmt: skip
    hosts = train.add_argument_group(
        "--strategy hosts",
        "defaults from FERLIB_COORDINATOR, FERLIB_NUM_PROCESSES, FERLIB_PROCESS_ID "
        "(Slurm: SLURM_NTASKS, SLURM_PROCID)",
    )
    hosts.add_argument("--coordinator", metavar="HOST:PORT", help="process 0's address, the same for all")
    hosts.add_argument("--processes", type=int, help="how many processes take part")
    hosts.add_argument("--process-id", type=int, help="this process's index, 0 on the coordinator")
    hosts.add_argument(
        "--cluster-timeout", type=float, default=60.0, help="seconds to wait for every process"
    )
    train.set_defaults(run=_train)


def _train(args: argparse.Namespace) -> int:
    from dataclasses import fields

    from ferlib.config import AugmentConfig, TrainConfig

    values = vars(args)
    augment = None if args.no_augment else AugmentConfig(
        **{item.name: values[item.name] for item in fields(AugmentConfig) if item.name in values}
    )  # fmt: skip
    config = TrainConfig(
        **{item.name: values[item.name] for item in fields(TrainConfig) if item.name in values},
        augment=augment,
    )
    if args.strategy == "hosts":
        from ferlib.cluster import Cluster

        cluster = Cluster.from_environment(
            args.coordinator, args.processes, args.process_id, args.cluster_timeout
        )
        from ferlib.extras import require_extra

        require_extra("jax", "hosts")
        if "keras" not in sys.modules:
            os.environ["KERAS_BACKEND"] = "jax"  # Keras reads it once, when it is first imported
        from ferlib.training import train

        result = train(config, cluster=cluster, overwrite=args.overwrite)
    else:
        from ferlib.distribute import make_strategy
        from ferlib.training import train

        result = train(config, strategy=make_strategy(args.strategy), overwrite=args.overwrite)
    card = result.card
    if result.already_finished:
        print(f"{config.output_dir} holds this run, finished: nothing to train (--overwrite starts it again)")
    print(f"saved {result.model_path} ({card['epochs']} epochs, {card['wall_seconds']:.0f} s)")
    print(f"PublicTest accuracy: {card['public_test_accuracy']:.4f}")
    if card["private_test_accuracy"] is not None:
        print(f"PrivateTest accuracy: {card['private_test_accuracy']:.4f}")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    import json

    from ferlib.data import load_fer2013
    from ferlib.evaluation import evaluate

    model = _load_model(args.model)
    data = load_fer2013(args.data, progress=not args.json)
    result = evaluate(model, args.split, data=data, tta=args.tta)
    if args.plots:
        from ferlib import plots

        figures = {
            "confusion.png": plots.confusion_heatmap(result),
            "per_class.png": plots.per_class_bars(result),
            "misclassified.png": plots.misclassified_gallery(result, data[args.split].images),
            "reliability.png": plots.reliability_diagram(result),
        }
        for name, figure in figures.items():
            plots.save_figure(figure, Path(args.plots) / name)
    if args.json:
        print(json.dumps({"model": args.model or "default", **result.to_dict()}))
    else:
        print(result.report())
        if args.plots:
            print(f"figures written to {args.plots}")
    return 0


def _info(args: argparse.Namespace) -> int:
    from ferlib.data import SPLITS, find_duplicates, load_fer2013
    from ferlib.labels import EMOTIONS
    from ferlib.table import format_table

    dataset = load_fer2013(args.dir, use_cache=not args.no_cache)
    print(
        f"FER-2013 at {dataset.location.path} (from {dataset.location.origin}), "
        f"fingerprint {dataset.fingerprint}"
    )
    counts = {name: dataset[name].class_counts() for name in SPLITS}
    rows = [
        [emotion, *(counts[n][emotion] for n in SPLITS), sum(counts[n][emotion] for n in SPLITS)]
        for emotion in EMOTIONS
    ]
    sizes = [len(dataset[name]) for name in SPLITS]
    rows.append(["total", *sizes, sum(sizes)])
    print(format_table(["emotion", *SPLITS, "total"], rows))
    if dataset.converted or dataset.skipped:
        print(
            f"converted to 48x48 grayscale: {len(dataset.converted)}; "
            f"left out as unreadable: {len(dataset.skipped)}"
        )
    if args.duplicates:
        print(find_duplicates(dataset).summary())
    return 0


def _ensemble(args: argparse.Namespace) -> int:
    from ferlib.card import read_card
    from ferlib.data import load_fer2013
    from ferlib.ensemble import build_ensemble, check_destination, save_ensemble

    out = check_destination(args.out, overwrite=args.overwrite)
    model = build_ensemble(args.models)
    data = load_fer2013(args.data, progress=False)
    save_ensemble(
        model,
        out,
        member_files=args.models,
        data=data,
        overwrite=args.overwrite,
        report_private_test=args.report_private_test,
        half_precision=args.half_precision,
    )
    card = read_card(out)
    print(f"written {out} ({out.stat().st_size / 1e6:.1f} MB, {len(args.models)} members)")
    print(f"PublicTest accuracy: {card['public_test_accuracy']:.4f}")
    if card["private_test_accuracy"] is not None:
        print(f"PrivateTest accuracy: {card['private_test_accuracy']:.4f}")
    return 0


def _versions(args: argparse.Namespace) -> int:
    from ferlib.machine import show_versions

    show_versions()
    return 0


def _download(args: argparse.Namespace) -> int:
    from ferlib.data.download import download_fer2013

    path = download_fer2013(args.dir)
    print(f"FER-2013 is in {path}. Use it with: export FER2013_DIR={path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
