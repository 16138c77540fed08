"""Writes ferlib/static/models/ferlib_fer2013.tflite, the shipped default model as the page runs it
(float16 ``.tflite`` with a batch of one; see ``ferlib.browser_camera.export_page_model``).

Run from the repository root after the default model changes:  python web/export_model.py
"""

from ferlib.browser_camera import PAGE_MODEL, export_page_model
from ferlib.pretrained import load_pretrained

if __name__ == "__main__":
    print(export_page_model(load_pretrained(), PAGE_MODEL))
