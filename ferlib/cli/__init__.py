"""The ``ferlib`` command line: one subcommand per job, grouped in this package's modules (data,
training, models, faces, videos); this module holds the parser and ``main``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from ferlib.cli import data, faces, models, training, videos
from ferlib.errors import FerlibError


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
    data.add_info(commands)
    data.add_download(commands)
    models.add_ensemble(commands)
    versions = commands.add_parser(
        "versions", help="Python, the machine and the package versions, for bug reports"
    )
    versions.set_defaults(run=_versions)
    training.add_train(commands)
    models.add_evaluate(commands)
    faces.add_demo(commands)
    faces.add_detect(commands)
    faces.add_video(commands)
    videos.add_videos(commands)
    models.add_export(commands)
    return parser


def _versions(args: argparse.Namespace) -> int:
    from ferlib.machine import show_versions

    show_versions()
    return 0
