"""Training: ``train(config)`` trains a named architecture on FER-2013 with the standard callbacks,
resuming a run that was cut short.

One job per module, each import pointing down this list:

- ``loop``: ``train`` itself, the compiled model and the training pipeline;
- ``run_card``: the model card a finished run writes beside ``model.keras``;
- ``callbacks``: backup, checkpoint, CSV log, schedule, early stopping, the clock, ``InterruptAfter``;
- ``schedule``: the optimiser and its learning rate (by epochs or by the clock);
- ``run_folder``: what the output folder holds (``run_state``, ``read_log``, backups to repair);
- ``cluster_checks``: what a run on several processes or hosts checks before it starts.

The names below are the package's public ones, as ``ferlib.training`` gave them when it was one module.
"""

from ferlib.errors import TrainingInterrupted
from ferlib.training.callbacks import InterruptAfter
from ferlib.training.loop import TrainResult, compiled_model, train, training_pipeline
from ferlib.training.run_folder import RUN_FILES, read_log, run_state
from ferlib.training.schedule import clock_learning_rate, learning_rate

__all__ = [
    "RUN_FILES",
    "InterruptAfter",
    "TrainResult",
    "TrainingInterrupted",
    "clock_learning_rate",
    "compiled_model",
    "learning_rate",
    "read_log",
    "run_state",
    "train",
    "training_pipeline",
]
