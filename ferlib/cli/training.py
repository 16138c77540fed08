"""``ferlib train``: its flags, choices, defaults and help come from ``ferlib.config``'s tables."""

from __future__ import annotations

import argparse
import os
import sys

from ferlib.cluster import STRATEGIES
from ferlib.errors import ConfigError


class _DefaultsHelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Each flag's default after its help, unless the help says it already or there is none."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or "(default:" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


def add_train(commands: argparse._SubParsersAction) -> None:
    """Add ``ferlib train`` to ``commands``."""
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

    from ferlib.config import AUGMENT_SETTINGS, AugmentConfig, TrainConfig

    values = vars(args)
    if args.no_augment:
        given = [setting.flag for name, setting in AUGMENT_SETTINGS.items()
                 if setting.flag and values.get(name) != getattr(AugmentConfig(), name)]  # fmt: skip
        if given:
            raise ConfigError(f"--no-augment turns off {', '.join(given)}: give one or the other")
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
