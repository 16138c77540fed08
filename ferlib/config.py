"""Run settings as plain dataclasses, importable without TensorFlow (the command line builds them)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ferlib.errors import ConfigError


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

    def __post_init__(self) -> None:
        if not 0.0 <= self.rotation_degrees <= 180.0:
            raise ConfigError(f"rotation_degrees must lie in [0, 180], got {self.rotation_degrees}")
        for name in ("shift", "zoom"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ConfigError(f"{name} is a fraction of the face in [0, 1), got {getattr(self, name)}")
        if not 0.0 <= self.erasing <= 1.0:
            raise ConfigError(f"erasing is a probability in [0, 1], got {self.erasing}")


PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")


@dataclass
class TrainConfig:
    """Everything that defines a training run; saved as ``config.json`` and in the model card."""

    architecture: str = "ferlib"
    epochs: int = 30
    batch_size: int = 64
    optimizer: str = "sgd"  # "sgd" (Nesterov momentum 0.9) or "adam"
    learning_rate: float = 0.05  # the peak rate
    # Keras applies weight decay as w -= lr * wd * w, outside the momentum: 5e-3 here shrinks weights
    # as fast as the classic "SGD, momentum 0.9, L2 5e-4" recipe does.
    weight_decay: float = 5e-3
    schedule: str = "cosine"  # "cosine" (one warm-up epoch, then cosine decay) or "plateau"
    label_smoothing: float = 0.0
    augment: AugmentConfig | None = field(default_factory=AugmentConfig)
    use_class_weights: bool = False
    precision: str = "float32"  # "mixed_bfloat16" is about 1.7x faster on CPUs with AVX512-BF16
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

    def __post_init__(self) -> None:
        if isinstance(self.augment, dict):
            self.augment = AugmentConfig(**self.augment)
        if self.optimizer not in ("sgd", "adam"):
            raise ConfigError(f"optimizer must be 'sgd' or 'adam', got {self.optimizer!r}")
        if self.schedule not in ("cosine", "plateau"):
            raise ConfigError(f"schedule must be 'cosine' or 'plateau', got {self.schedule!r}")
        if self.precision not in PRECISIONS:
            raise ConfigError(f"precision must be one of {', '.join(PRECISIONS)}, got {self.precision!r}")
        if self.epochs < 1 or self.batch_size < 1:
            raise ConfigError("epochs and batch_size must be at least 1")
        if self.minutes is not None and self.minutes <= 0:
            raise ConfigError(f"minutes must be positive, got {self.minutes}")
