"""``ferlib evaluate``, ``ferlib ensemble`` and ``ferlib export``: judging, combining and exporting
trained models."""

from __future__ import annotations

import argparse
from pathlib import Path

from ferlib.cli.common import DATA_HELP, MODEL_HELP, load_model


def add_ensemble(commands: argparse._SubParsersAction) -> None:
    """``ferlib ensemble``: one model averaging several."""
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


def add_evaluate(commands: argparse._SubParsersAction) -> None:
    """``ferlib evaluate``: accuracy, report and figures of a model."""
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


def add_export(commands: argparse._SubParsersAction) -> None:
    """``ferlib export``: a TensorFlow Lite file."""
    export = commands.add_parser("export", help="export a model for TensorFlow Lite (LiteRT)")
    export.add_argument("--tflite", choices=("float16", "int8"), default="float16", help="weight precision")
    export.add_argument("--model", help=MODEL_HELP)
    export.add_argument("--out", help="the .tflite file (default: ferlib_<precision>.tflite)")
    export.add_argument(
        "--data", help="FER-2013 for int8 calibration (default: $FER2013_DIR, then data/fer2013)"
    )
    export.set_defaults(run=_export)


def _export(args: argparse.Namespace) -> int:
    import numpy as np

    from ferlib.tflite import export_tflite

    model = load_model(args.model)
    faces = None
    if args.tflite == "int8":
        from ferlib.data import load_fer2013

        training = load_fer2013(args.data).training
        faces = training.images[np.random.default_rng(0).choice(len(training), 500, replace=False)]
    out = Path(args.out or f"ferlib_{args.tflite}.tflite")
    export_tflite(model, out, args.tflite, faces)
    print(f"written {out} ({out.stat().st_size / 1e6:.1f} MB, {args.tflite})")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    import json

    from ferlib.data import load_fer2013
    from ferlib.evaluation import evaluate

    model = load_model(args.model)
    data = load_fer2013(args.data, progress=not args.json)
    result = evaluate(model, args.split, data=data, tta=args.tta, progress=not args.json)
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
