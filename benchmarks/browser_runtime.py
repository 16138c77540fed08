"""Which JavaScript runtime runs ferlib's models in the page: LiteRT.js against onnxruntime-web.

Each runtime loads ferlib's three models (BlazeFace full range and short range, the files the kernel
runs, and the shipped emotion model exported with ``ferlib export --tflite``) in headless Chromium, with
every file served from this machine (a request anywhere else fails), runs each model on one input 50
times after 5 warm-up runs, single-threaded WebAssembly on the CPU, and reports the files a page must
fetch, whether each model loaded, and the median milliseconds per run; the runtimes take turns for
``--rounds`` rounds (the machine is shared: "ms" is the median of the rounds' medians, all kept in
"rounds_ms"). "frame_ms" is one live frame with one face: the full-range detector plus the emotion model.

The emotion model is the page's (``ferlib/static/models/ferlib_fer2013.tflite``: the shipped model
exported as float16 ``.tflite`` with a batch of one, as LiteRT.js needs). LiteRT.js runs the
``.tflite`` files as they are (ferlib/static/litert, vendored by web/vendor.mjs).
onnxruntime-web needs ONNX files: make them with tf2onnx (``python -m tf2onnx.convert --tflite X.tflite
--output X.onnx --opset 17``) and pass their folder, with the runtime's dist folder from
``npm install onnxruntime-web``; without them that runtime is reported as not measured.

Run:  python benchmarks/browser_runtime.py
        [--onnxruntime-web node_modules/onnxruntime-web/dist --onnx-models onnx/]
Writes benchmarks/results/browser_runtime.json.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
from browser_page import offline_page

from ferlib.browser_camera import PAGE_MODEL
from ferlib.faces.blazeface import MODELS, model_path
from ferlib.io import write_text_atomic
from ferlib.machine import describe_machine

RESULTS = Path(__file__).with_name("results") / "browser_runtime.json"
STATIC = Path(__file__).resolve().parents[1] / "ferlib" / "static"
LITERT_FILES = ("litert.js", "litert_wasm_compat_internal.js", "litert_wasm_compat_internal.wasm")
ORT_FILES = ("ort.wasm.min.mjs", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm")
MODEL_NAMES = ("full_range", "short_range", "emotion")

#: In the page: load the runtime and each model, time RUNS runs of each on zeros.
TIME_LITERT = """async ({models, runs}) => {
  const litert = await import("/litert.js");
  await litert.loadLiteRt("/litert_wasm_compat_internal.js");
  const out = {};
  for (const [name, file] of Object.entries(models)) {
    try {
      const model = await litert.loadAndCompile("/" + file, {accelerator: "wasm"});
      const shape = Array.from(model.getInputDetails()[0].shape, (d) => Math.max(d, 1));
      const size = shape.reduce((a, b) => a * b, 1);
      const times = [];
      for (let i = 0; i < runs + 5; i++) {
        const input = new litert.Tensor(new Float32Array(size), shape);
        const start = performance.now();
        const results = await model.run([input]);
        results.forEach((t) => t.toTypedArray());
        const took = performance.now() - start;
        input.delete(); results.forEach((t) => t.delete());
        if (i >= 5) times.push(took);
      }
      times.sort((a, b) => a - b);
      out[name] = {loaded: true, input_shape: shape, ms: times[Math.floor(times.length / 2)]};
    } catch (error) { out[name] = {loaded: false, error: String(error)}; }
  }
  return out;
}"""
TIME_ORT = """async ({models, runs}) => {
  const ort = await import("/ort.wasm.min.mjs");
  ort.env.wasm.wasmPaths = "/"; ort.env.wasm.numThreads = 1;
  const out = {};
  for (const [name, file] of Object.entries(models)) {
    try {
      const session = await ort.InferenceSession.create("/" + file, {executionProviders: ["wasm"]});
      const meta = session.inputMetadata ? session.inputMetadata[0] : null;
      const shape = (meta && meta.shape ? meta.shape : [1]).map((d) => (typeof d === "number" ? d : 1));
      const size = shape.reduce((a, b) => a * b, 1);
      const times = [];
      for (let i = 0; i < runs + 5; i++) {
        const feeds = {[session.inputNames[0]]: new ort.Tensor("float32", new Float32Array(size), shape)};
        const start = performance.now();
        const results = await session.run(feeds);
        Object.values(results).forEach((t) => t.data);
        if (i >= 5) times.push(performance.now() - start);
      }
      times.sort((a, b) => a - b);
      out[name] = {loaded: true, input_shape: shape, ms: times[Math.floor(times.length / 2)]};
    } catch (error) { out[name] = {loaded: false, error: String(error)}; }
  }
  return out;
}"""


def measure(script: str, runtime: dict[str, Path], models: dict[str, Path], runs: int) -> dict[str, Any]:
    """Load the runtime and models in an offline page and time them; sizes of what the page fetches."""
    files = {**runtime, **{path.name: path for path in models.values()}}
    with offline_page(files) as page:
        timings = page.evaluate(script, {"models": {k: p.name for k, p in models.items()}, "runs": runs})
    loaded = all(timings[name]["loaded"] for name in MODEL_NAMES)
    for timing in timings.values():
        if "ms" in timing:
            timing["ms"] = round(timing["ms"], 2)
    return {
        "runtime_bytes": {name: path.stat().st_size for name, path in runtime.items()},
        "runtime_total_mib": round(sum(p.stat().st_size for p in runtime.values()) / 2**20, 2),
        "model_bytes": {name: path.stat().st_size for name, path in models.items()},
        "models": timings,
        "all_loaded": loaded,
        "frame_ms": round(timings["full_range"]["ms"] + timings["emotion"]["ms"], 2) if loaded else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--emotion-tflite", type=Path, default=PAGE_MODEL, help="the emotion model (.tflite)")
    parser.add_argument("--onnxruntime-web", type=Path, help="onnxruntime-web's dist folder")
    parser.add_argument("--onnx-models", type=Path, help="folder of the three models converted by tf2onnx")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    tflite = {name: model_path(MODELS[name].file) for name in MODEL_NAMES[:2]}
    tflite["emotion"] = args.emotion_tflite
    version = json.loads((STATIC / "litert" / "VERSION.json").read_text())["version"]
    report: dict[str, Any] = {"machine": describe_machine(), "runs": args.runs, "runtimes": {}}
    contenders = {
        f"@litertjs/core {version}": (
            TIME_LITERT,
            {name: STATIC / "litert" / name for name in LITERT_FILES},
            tflite,
        )
    }
    if args.onnxruntime_web and args.onnx_models:
        onnx = {name: args.onnx_models / (tflite[name].stem + ".onnx") for name in MODEL_NAMES}
        package = json.loads((args.onnxruntime_web.parent / "package.json").read_text())["version"]
        contenders[f"onnxruntime-web {package}"] = (
            TIME_ORT,
            {name: args.onnxruntime_web / name for name in ORT_FILES},
            onnx,
        )
    else:
        report["runtimes"]["onnxruntime-web"] = "not measured: pass --onnxruntime-web and --onnx-models"
    rounds: dict[str, list[dict[str, Any]]] = {name: [] for name in contenders}
    for _ in range(args.rounds):
        for name, (script, runtime, models) in contenders.items():
            rounds[name].append(measure(script, runtime, models, args.runs))
    for name, results in rounds.items():
        result = results[0]
        for model in MODEL_NAMES:
            if result["all_loaded"]:
                times = [r["models"][model]["ms"] for r in results]
                result["models"][model]["rounds_ms"] = times
                result["models"][model]["ms"] = round(float(np.median(times)), 2)
        if result["all_loaded"]:
            result["frame_ms"] = round(
                result["models"]["full_range"]["ms"] + result["models"]["emotion"]["ms"], 2
            )
        report["runtimes"][name] = result
    for name, result in report["runtimes"].items():
        if isinstance(result, dict):
            print(f"{name}: {result['runtime_total_mib']} MiB, loaded {result['all_loaded']}, "
                  f"{result['frame_ms']} ms per frame, {json.dumps(result['models'])}")  # fmt: skip
    write_text_atomic(RESULTS, json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
