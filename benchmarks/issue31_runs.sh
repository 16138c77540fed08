#!/usr/bin/env bash
# Issue 31's training plan, one run after another; each resumes where it was cut and a finished one is
# skipped, so after any stop run this same command again. Runs live outside the checkout (RUNS, default
# ~/ferlib-runs); when one finishes, keep what it taught with benchmarks/store_candidate.py. Needs
# FER2013_DIR and ferlib installed.
#  1. crop44_20ep: ferlib's network on random 44x44 crops (--crop 44, small shifts, no rotation or zoom).
#  2. baseline_20ep: the same budget with the default augmentation, to compare with 1 on PublicTest.
#  3. crop44_deep_distilled_60ep: the long run the short ones pointed to: ferlib_deep on random crops,
#     distilled from the shipped `accurate` ensemble, 60 epochs on the same cosine schedule.
set -u
RUNS="${RUNS:-$HOME/ferlib-runs}"
mkdir -p "$RUNS"
CROPS=(--crop 44 --shift 0.05 --rotation 0 --zoom 0)
nice -n 19 ferlib train --arch ferlib "${CROPS[@]}" --epochs 20 \
  --precision mixed_bfloat16 --out "$RUNS/crop44_20ep" >> "$RUNS/crop44_20ep.out" 2>&1 || true
nice -n 19 ferlib train --arch ferlib --epochs 20 \
  --precision mixed_bfloat16 --out "$RUNS/baseline_20ep" >> "$RUNS/baseline_20ep.out" 2>&1 || true
nice -n 19 ferlib train --arch ferlib_deep "${CROPS[@]}" --epochs 60 --teacher accurate \
  --precision mixed_bfloat16 --out "$RUNS/crop44_deep_distilled_60ep" \
  >> "$RUNS/crop44_deep_distilled_60ep.out" 2>&1 || true
