"""The machine description and the choice of training precision."""

from __future__ import annotations

import os

from ferlib.machine import describe_machine, fastest_precision


def test_bfloat16_only_where_the_cpu_has_it() -> None:
    assert fastest_precision({"avx2", "avx512f", "avx512_bf16"}) == "mixed_bfloat16"
    assert fastest_precision({"avx2", "amx_bf16", "amx_tile"}) == "mixed_bfloat16"
    assert fastest_precision({"avx2", "avx512f"}) == "float32"
    assert fastest_precision(set()) == "float32"


def test_this_machine_gets_a_valid_precision() -> None:
    assert fastest_precision() in {"mixed_bfloat16", "float32"}


def test_description_names_cores_and_memory() -> None:
    description = describe_machine()
    assert f"{os.cpu_count()} cores" in description and "GiB" in description
