"""Where ``BlazeFaceDetector`` lived before ferlib 0.6; it is ``ferlib.faces.blazeface`` now."""

from ferlib.faces.blazeface import MODELS, BlazeFace, BlazeFaceDetector, Detection, model_path

__all__ = ["MODELS", "BlazeFace", "BlazeFaceDetector", "Detection", "model_path"]
