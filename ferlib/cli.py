"""The ``ferlib`` command line: one subcommand per job."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ferlib.data.locate import DEFAULT_RELATIVE
from ferlib.errors import FerlibError

if TYPE_CHECKING:
    import keras
    import numpy as np

    from ferlib.recognizer import EmotionRecognizer, FaceEmotion


MODEL_HELP = "a .keras file or a .tflite export (default: the model that ships with ferlib)"
DATA_HELP = "FER-2013 folder or CSV (default: $FER2013_DIR, then data/fer2013)"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; ferlib's own errors print as one message and exit with status 2."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except FerlibError as error:
        print(f"ferlib {args.command}: {error}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ferlib", description="Facial emotion recognition on FER-2013.")
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
    _add_train(commands)

    evaluate = commands.add_parser(
        "evaluate", help="accuracy, per-class report and confusion matrix of a model"
    )
    evaluate.add_argument("--model", help=MODEL_HELP)
    evaluate.add_argument("--split", choices=("PublicTest", "PrivateTest"), default="PrivateTest")
    evaluate.add_argument("--tta", action="store_true", help="average over flipped and cropped views")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object instead of the report")
    evaluate.add_argument("--plots", metavar="DIR", help="also write the figures as PNG files into DIR")
    evaluate.add_argument("--data", help=DATA_HELP)
    evaluate.set_defaults(run=_evaluate)

    demo = commands.add_parser("demo", help="the shipped model on a real photo: annotated image and emotions")
    demo.add_argument("--out", default="ferlib-demo.png", help="where to write the annotated photo")
    demo.add_argument("--model", help=MODEL_HELP)
    demo.set_defaults(run=_demo)

    detect = commands.add_parser("detect", help="emotions of every face in one or more images")
    detect.add_argument("images", nargs="+", help="image files")
    detect.add_argument("--out", metavar="DIR", help="write annotated copies into DIR")
    detect.add_argument("--json", action="store_true", help="print one JSON list, an object per image")
    detect.add_argument("--model", help=MODEL_HELP)
    detect.set_defaults(run=_detect)

    video = commands.add_parser("video", help="emotions in every frame of a video file")
    video.add_argument("input", help="video file")
    video.add_argument("--out", help="write an annotated MP4 here")
    video.add_argument("--csv", help="write one row per face per frame here")
    video.add_argument("--model", help=MODEL_HELP)
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


def _load_model(path: str | None) -> keras.Model:
    """The model at ``path`` (a .keras or .tflite file), else the shipped one."""
    from ferlib.models import load_model_file
    from ferlib.pretrained import load_pretrained

    return load_model_file(path) if path else load_pretrained()


def _recognizer(model: str | None) -> EmotionRecognizer:
    from ferlib.recognizer import EmotionRecognizer

    return EmotionRecognizer(model)


def _describe(faces: list[FaceEmotion]) -> str:
    if not faces:
        return "no face found"
    return "; ".join(
        f"face at {face.box.as_list()}: {face.emotion} ({face.scores[face.emotion]:.0%})" for face in faces
    )


def _demo(args: argparse.Namespace) -> int:
    from ferlib.samples import grace_hopper

    photo = grace_hopper()
    recognizer = _recognizer(args.model)
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
            raise OSError(f"could not write {path}")


def _detect(args: argparse.Namespace) -> int:
    import json

    recognizer = _recognizer(args.model)
    report = []
    failed = 0
    for image in args.images:
        try:
            faces = recognizer.recognize(image)
        except ValueError as error:
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
    return 1 if failed else 0


def _video(args: argparse.Namespace) -> int:
    from ferlib.video import process_video

    frames = process_video(_recognizer(args.model), args.input, out=args.out, csv_path=args.csv)
    with_faces = sum(1 for faces in frames if faces)
    print(f"{args.input}: {len(frames)} frames, faces in {with_faces}")
    for path in (args.out, args.csv):
        if path:
            print(f"written {path}")
    return 0


def _add_train(commands: argparse._SubParsersAction) -> None:
    from ferlib.config import PRECISIONS, AugmentConfig, TrainConfig

    defaults = TrainConfig()
    train = commands.add_parser(
        "train",
        help="train a CNN on FER-2013 with checkpoints; run it again to resume",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    train.add_argument(
        "--arch", default=defaults.architecture, help="architecture (see ferlib.models.MODELS)"
    )
    train.add_argument("--epochs", type=int, default=defaults.epochs, help="at most, with --minutes")
    train.add_argument(
        "--minutes", type=float, default=None, help="train for this wall time; the cosine schedule follows it"
    )
    train.add_argument("--batch-size", type=int, default=defaults.batch_size)
    train.add_argument("--optimizer", choices=("sgd", "adam"), default=defaults.optimizer)
    train.add_argument("--lr", type=float, default=defaults.learning_rate, help="peak learning rate")
    train.add_argument("--weight-decay", type=float, default=defaults.weight_decay)
    train.add_argument("--schedule", choices=("cosine", "plateau"), default=defaults.schedule)
    train.add_argument("--label-smoothing", type=float, default=defaults.label_smoothing)
    augment = AugmentConfig()
    train.add_argument("--no-augment", action="store_true", help="train without augmentation")
    train.add_argument("--rotation", type=float, default=augment.rotation_degrees, help="degrees, at most")
    train.add_argument("--shift", type=float, default=augment.shift, help="fraction of the size, at most")
    train.add_argument("--zoom", type=float, default=augment.zoom, help="fraction in or out, at most")
    train.add_argument("--erasing", type=float, default=augment.erasing, help="random-erasing probability")
    train.add_argument(
        "--class-weights", action="store_true", help="weight the loss by inverse class frequency"
    )
    train.add_argument("--precision", choices=PRECISIONS, default=defaults.precision)
    train.add_argument("--patience", type=int, default=None, help="early-stopping patience in epochs")
    train.add_argument("--limit", type=int, default=None, help="train on this many images only (quick runs)")
    train.add_argument("--seed", type=int, default=defaults.seed)
    train.add_argument("--backup-every", type=int, default=defaults.backup_every_batches, help="batches")
    train.add_argument(
        "--out", default=defaults.output_dir, help="output folder; an unfinished run there resumes"
    )
    train.add_argument(
        "--strategy", choices=("default", "mirrored"), default="default",
        help="tf.distribute: mirrored = a copy of the model on every local GPU",
    )  # fmt: skip
    train.add_argument("--data", default=None, help=DATA_HELP)
    train.add_argument(
        "--report-private-test", action="store_true", help="also measure PrivateTest (final runs only)"
    )
    train.set_defaults(run=_train)


def _train(args: argparse.Namespace) -> int:
    from ferlib.config import AugmentConfig, TrainConfig
    from ferlib.train import train

    config = TrainConfig(
        architecture=args.arch,
        epochs=args.epochs,
        minutes=args.minutes,
        batch_size=args.batch_size,
        optimizer=args.optimizer,
        learning_rate=args.lr,
        weight_decay=args.weight_decay,
        schedule=args.schedule,
        label_smoothing=args.label_smoothing,
        augment=None
        if args.no_augment
        else AugmentConfig(args.rotation, args.shift, args.zoom, horizontal_flip=True, erasing=args.erasing),
        use_class_weights=args.class_weights,
        precision=args.precision,
        early_stopping_patience=args.patience,
        limit=args.limit,
        seed=args.seed,
        backup_every_batches=args.backup_every,
        output_dir=args.out,
        data_dir=args.data,
        report_private_test=args.report_private_test,
    )
    from ferlib.distribute import make_strategy

    result = train(config, strategy=make_strategy(args.strategy))
    card = result.card
    print(f"saved {result.model_path} ({card['epochs']} epochs, {card['wall_seconds']:.0f} s)")
    print(f"PublicTest accuracy: {card['public_test_accuracy']:.4f}")
    if card["private_test_accuracy"] is not None:
        print(f"PrivateTest accuracy: {card['private_test_accuracy']:.4f}")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    import json

    from ferlib.data import load_fer2013
    from ferlib.evaluate import evaluate

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
        print(json.dumps({"model": args.model or "pretrained", **result.to_dict()}))
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


def _download(args: argparse.Namespace) -> int:
    from ferlib.data.download import download_fer2013

    path = download_fer2013(args.dir)
    print(f"FER-2013 is in {path}. Use it with: export FER2013_DIR={path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
