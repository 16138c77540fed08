"""How long loading all of FER-2013 takes: cold (decoding every JPEG, then writing the cache) and cached.

Run:  python benchmarks/load_speed.py [DIR]   (DIR defaults to $FER2013_DIR, then data/fer2013)
Prints one line per measurement and writes benchmarks/results/load_speed.json.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from ferlib.data import load_fer2013
from ferlib.io import write_text_atomic
from ferlib.machine import describe_machine

RESULTS = Path(__file__).with_name("results") / "load_speed.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", nargs="?", help="FER-2013 folder or CSV")
    parser.add_argument("--repeats", type=int, default=3, help="cached loads to time (the median is kept)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as cache_dir:
        start = time.perf_counter()
        dataset = load_fer2013(args.dir, cache_dir=cache_dir, progress=False)
        cold = time.perf_counter() - start
        cached_times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            load_fer2013(args.dir, cache_dir=cache_dir, progress=False)
            cached_times.append(time.perf_counter() - start)
        cache_bytes = sum(f.stat().st_size for f in Path(cache_dir).glob("*.npz"))

    result = {
        "images": len(dataset),
        "cold_seconds": round(cold, 2),
        "cached_seconds": round(sorted(cached_times)[len(cached_times) // 2], 2),
        "cache_megabytes": round(cache_bytes / 1e6, 1),
        "in_memory_megabytes": round(sum(s.images.nbytes for s in dataset.splits.values()) / 1e6, 1),
        "machine": describe_machine(),
    }
    print(f"images:          {result['images']:,}")
    print(f"cold load:       {result['cold_seconds']} s (decode every image, write the cache)")
    print(f"cached load:     {result['cached_seconds']} s (median of {args.repeats})")
    print(f"cache file:      {result['cache_megabytes']} MB")
    print(f"arrays in memory: {result['in_memory_megabytes']} MB")
    print(f"machine:         {result['machine']}")
    write_text_atomic(RESULTS, json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
