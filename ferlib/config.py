"""Run settings as plain dataclasses, importable without TensorFlow (the command line builds them).

What each setting accepts is declared once, in ``AUGMENT_SETTINGS`` and ``TRAIN_SETTINGS``: the
dataclasses check their fields against these tables, and ``ferlib train`` takes its flags, choices,
defaults and help lines from them, so validation and the command line never drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal, get_args

from ferlib.errors import ConfigError

#: The fixed choices, each a ``Literal`` type (what mypy checks) whose values the settings below accept
#: (what validation and the command line check). The networks are ``ferlib.models.MODELS``'s, named
#: here so that the command line needs no TensorFlow.
Architecture = Literal["minimal", "four_block", "heavy", "ferlib", "ferlib_deep"]
Optimizer = Literal["sgd", "adam"]
Schedule = Literal["cosine", "plateau"]
Precision = Literal["float32", "mixed_bfloat16", "mixed_float16"]
ARCHITECTURES: tuple[str, ...] = get_args(Architecture)
PRECISIONS: tuple[str, ...] = get_args(Precision)


@dataclass(frozen=True)
class Setting:
    """What one setting accepts: a type, then either choices or a range; ``optional`` allows None."""

    kind: type
    help: str
    choices: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None
    low_open: bool = False  # the range excludes ``low``
    high_open: bool = False  # the range excludes ``high``
    optional: bool = False
    flag: str | None = None  # the ``ferlib train`` flag; None: not a flag of its own

    def check(self, name: str, value: Any) -> None:
        """Raise ``ConfigError`` naming ``name`` and what it accepts, unless ``value`` is allowed."""
        if value is None and self.optional:
            return
        if not self._has_kind(value) or not self._in_range(value):
            raise ConfigError(f"{name} must be {self.describe()}, got {value!r}")

    def describe(self) -> str:
        """What the setting accepts, in words: ``"one of sgd, adam"``, ``"a number in (0, 1]"``, ..."""
        if self.choices:
            text = f"one of {', '.join(self.choices)}"
        elif self.kind is bool:
            text = "True or False"
        elif self.low is None and self.high is None:
            text = "a string" if self.kind is str else f"a {self.kind.__name__}"
        else:
            noun = "an integer" if self.kind is int else "a number"
            if self.high is None:
                text = f"{noun} {'>' if self.low_open else '>='} {_number(self.low)}"
            else:
                left, right = "(" if self.low_open else "[", ")" if self.high_open else "]"
                text = f"{noun} in {left}{_number(self.low)}, {_number(self.high)}{right}"
        return f"{text} or None" if self.optional else text

    def _has_kind(self, value: Any) -> bool:
        if self.kind is float:
            return isinstance(value, int | float) and not isinstance(value, bool)
        if self.kind is int:
            return isinstance(value, int) and not isinstance(value, bool)
        return isinstance(value, self.kind)

    def _in_range(self, value: Any) -> bool:
        if self.choices:
            return value in self.choices
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        return self.high is None or (value < self.high if self.high_open else value <= self.high)


def _number(value: float | None) -> str:
    return f"{value:g}"


AUGMENT_SETTINGS: dict[str, Setting] = {
    "rotation_degrees": Setting(float, "random rotation, degrees at most", low=0, high=180,
                                flag="--rotation"),
    "shift": Setting(float, "random shift, fraction of the size at most", low=0, high=1, high_open=True,
                     flag="--shift"),
    "zoom": Setting(float, "random zoom in or out, fraction at most", low=0, high=1, high_open=True,
                    flag="--zoom"),
    "horizontal_flip": Setting(bool, "mirror half of the faces"),
    "erasing": Setting(float, "random-erasing probability (Zhong et al. 2017)", low=0, high=1,
                       flag="--erasing"),
    "mixup": Setting(float, "mixup's alpha: blend each face and its target with another's (Zhang et al. "
                     "2018); 0 is off", low=0, high=1, flag="--mixup"),
}  # fmt: skip


@dataclass(frozen=True)
class AugmentConfig:
    """Random transforms for training faces; the defaults suit FER-2013's aligned 48x48 crops."""

    rotation_degrees: float = 10.0
    shift: float = 0.1  # fraction of the width and height
    zoom: float = 0.1
    horizontal_flip: bool = True
    # Probability of blanking a random rectangle (up to a third of the face) with noise: Random Erasing,
    # Zhong et al. 2017. It makes the network use the whole face, not one feature; off by default.
    erasing: float = 0.0
    # Mixup (Zhang et al. 2018): each training face becomes w * itself + (1 - w) * another face of its
    # batch, and its target the same blend of the two, with w drawn from Beta(mixup, mixup). It blends
    # targets, so the pipeline applies it (``ferlib.pipeline.make_dataset``), not ``build_augmentation``.
    mixup: float = 0.0

    def __post_init__(self) -> None:
        _check_fields(self, AUGMENT_SETTINGS)


TRAIN_SETTINGS: dict[str, Setting] = {
    "architecture": Setting(str, "the network (ferlib.models.MODELS)", choices=ARCHITECTURES, flag="--arch"),
    "crop": Setting(int, "the network sees the centre CROPxCROP of each face; with --shift, training sees "
                    "random crops (e.g. 44)", low=16, high=48, optional=True, flag="--crop"),
    "epochs": Setting(int, "epochs (an upper bound with --minutes)", low=1, flag="--epochs"),
    "batch_size": Setting(int, "faces per training batch", low=1, high=4096, flag="--batch-size"),
    "optimizer": Setting(str, "sgd: Nesterov momentum 0.9; adam: AdamW", choices=get_args(Optimizer),
                         flag="--optimizer"),
    "learning_rate": Setting(float, "peak learning rate", low=0, high=1, low_open=True, flag="--lr"),
    "weight_decay": Setting(float, "decoupled weight decay", low=0, high=1, high_open=True,
                            flag="--weight-decay"),
    "schedule": Setting(str, "cosine: one warm-up epoch then cosine decay", choices=get_args(Schedule),
                        flag="--schedule"),
    "label_smoothing": Setting(float, "label smoothing", low=0, high=1, high_open=True,
                               flag="--label-smoothing"),
    "augment": Setting(AugmentConfig, "random transforms of the training faces", optional=True),
    "use_class_weights": Setting(bool, "weight the loss by inverse class frequency", flag="--class-weights"),
    "precision": Setting(str, "mixed_bfloat16 is faster on CPUs with AVX512-BF16", choices=PRECISIONS,
                         flag="--precision"),
    "early_stopping_patience": Setting(int, "early-stopping patience in epochs", low=1, optional=True,
                                       flag="--patience"),
    "minutes": Setting(float, "train for this wall time; the cosine schedule follows it", low=0,
                       low_open=True, optional=True, flag="--minutes"),
    "limit": Setting(int, "train on this many images only (quick runs)", low=1, optional=True,
                     flag="--limit"),
    "seed": Setting(int, "seeds the first weights, the shuffling and the augmentation; the augmentation "
                    "runs in parallel threads, so two runs with one seed still differ a little", low=0,
                    flag="--seed"),
    "backup_every_batches": Setting(int, "back up the run every this many batches", low=1,
                                    flag="--backup-every"),
    "output_dir": Setting(str, "output folder; an unfinished run there resumes", flag="--out"),
    "data_dir": Setting(str, "FER-2013 folder or CSV (default: $FER2013_DIR, then data/fer2013)",
                        optional=True, flag="--data"),
    "report_private_test": Setting(bool, "also measure PrivateTest (final runs only; given to a finished "
                                   "run, adds it to the card)", flag="--report-private-test"),
    "teacher": Setting(str, "a model file (e.g. an ensemble), a shipped model's name, or a .npy of a "
                       "teacher's stored probabilities on the training faces, to distil: blend its "
                       "softened probabilities into the targets", optional=True, flag="--teacher"),
    "distill_temperature": Setting(float, "softens the teacher's probabilities (with --teacher)", low=0,
                                   high=100, low_open=True, flag="--temperature"),
    "distill_weight": Setting(float, "share of the teacher in the targets (with --teacher)", low=0, high=1,
                              flag="--distill-weight"),
    "distill_tta": Setting(bool, "average the teacher over its test-time views (flips and crops) before "
                           "blending (with --teacher): steadier targets, for 10-12 times the teacher's "
                           "one-off predictions", flag="--teacher-tta"),
    "initial_model": Setting(str, "a model file or a shipped model's name, of the same architecture, "
                             "whose weights the run starts from (fine-tuning: give a lower --lr)",
                             optional=True, flag="--init"),
}  # fmt: skip


def is_stored_teacher(teacher: str) -> bool:
    """Whether ``teacher`` names a teacher's stored probabilities (a ``.npy`` file), not a model."""
    return teacher.lower().endswith(".npy")


@dataclass
class TrainConfig:
    """Everything that defines a training run; saved as ``config.json`` and in the model card."""

    architecture: Architecture = "ferlib"
    # The network's first layer keeps the centre crop x crop pixels of each 48x48 face (None: all of
    # them). Shifting the faces by up to (48 - crop) / 2 pixels in training then shows the network a
    # random crop of each face, and every prediction sees the centre one: the random-crop recipe.
    crop: int | None = None
    epochs: int = 30
    batch_size: int = 64
    optimizer: Optimizer = "sgd"  # "sgd" (Nesterov momentum 0.9) or "adam"
    learning_rate: float = 0.05  # the peak rate
    # Keras applies weight decay as w -= lr * wd * w, outside the momentum: 5e-3 here shrinks weights
    # as fast as the classic "SGD, momentum 0.9, L2 5e-4" recipe does.
    weight_decay: float = 5e-3
    schedule: Schedule = "cosine"  # "cosine" (one warm-up epoch, then cosine decay) or "plateau"
    label_smoothing: float = 0.0
    augment: AugmentConfig | None = field(default_factory=AugmentConfig)
    use_class_weights: bool = False
    precision: Precision = "float32"  # "mixed_bfloat16" is faster on CPUs with AVX512-BF16
    early_stopping_patience: int | None = None  # None: train every epoch, keep the best
    # Train for this many minutes of wall time instead: ``epochs`` becomes an upper bound, and the
    # cosine schedule follows the clock. Architectures compared this way get the same CPU budget.
    minutes: float | None = None
    limit: int | None = None  # use only this many Training images (and a quarter as many PublicTest)
    seed: int = 0
    backup_every_batches: int = 100
    output_dir: str = "runs/ferlib"
    data_dir: str | None = None
    report_private_test: bool = False  # PrivateTest is for the final report only
    # Knowledge distillation (Hinton et al. 2015), as soft targets: each face's target is
    # (1 - distill_weight) * its one-hot label + distill_weight * the teacher's probabilities softened by
    # distill_temperature. A teacher made uniform by a high temperature gives plain label smoothing.
    teacher: str | None = None
    distill_temperature: float = 2.0
    distill_weight: float = 0.5
    # The teacher's probabilities averaged over ferlib.evaluation.tta_views, as its own TTA predictions
    # are: a steadier teacher; computed once (and cached) like the one-pass ones.
    distill_tta: bool = False
    # Fine-tuning: the run starts from this model's weights (a file or a shipped model's name, of the
    # same architecture) instead of random ones, e.g. the default model on other faces.
    initial_model: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.augment, dict):
            self.augment = AugmentConfig(**self.augment)
        _check_fields(self, TRAIN_SETTINGS)
        if self.distill_tta and self.teacher is None:
            raise ConfigError("distill_tta (--teacher-tta) averages a teacher's views: give a teacher too")
        if self.distill_tta and self.teacher is not None and is_stored_teacher(self.teacher):
            raise ConfigError("distill_tta (--teacher-tta) needs a teacher model: a .npy teacher's stored "
                              "probabilities are used as they are")  # fmt: skip
        if self.use_class_weights and (self.teacher is not None or (self.augment and self.augment.mixup)):
            # Keras weighs a soft target by its largest class alone, so a 0.51/0.49 blend of two faces
            # would take one class's weight or the other's: refused rather than silently skewed.
            raise ConfigError("use_class_weights (--class-weights) needs one-hot targets: drop it, --teacher "
                              "or --mixup")  # fmt: skip

    def summary(self) -> str:
        """The settings one per line, the augmentation's on one line of its own: for people to read."""
        lines = []
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, AugmentConfig):
                value = ", ".join(f"{f.name}={getattr(value, f.name)!r}" for f in fields(value))
            lines.append(f"{item.name:<24}{value}")
        return "\n".join(lines)


def _check_fields(config: Any, settings: dict[str, Setting]) -> None:
    for item in fields(config):
        settings[item.name].check(item.name, getattr(config, item.name))
