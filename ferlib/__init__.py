"""ferlib: facial emotion recognition on FER-2013 with Keras 3."""

__version__ = "0.1.0"
