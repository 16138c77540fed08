#!/usr/bin/env bash
# Issue 31's first comparison: ferlib's network on random 44x44 crops (--crop 44 with small shifts, no
# rotation or zoom) against the default augmentation, 20 epochs each on the same cosine schedule,
# chosen on PublicTest. Runs live outside the checkout (RUNS, default ~/ferlib-runs) and resume where
# they were cut: run this same command again after any stop. Needs FER2013_DIR.
set -u
RUNS="${RUNS:-$HOME/ferlib-runs}"
mkdir -p "$RUNS"
nice -n 19 ferlib train --arch ferlib --crop 44 --shift 0.05 --rotation 0 --zoom 0 --epochs 20 \
  --precision mixed_bfloat16 --out "$RUNS/crop44_20ep" >> "$RUNS/crop44_20ep.out" 2>&1 || true
nice -n 19 ferlib train --arch ferlib --epochs 20 \
  --precision mixed_bfloat16 --out "$RUNS/baseline_20ep" >> "$RUNS/baseline_20ep.out" 2>&1 || true
