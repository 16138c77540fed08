"""The plain-text tables of the command line, the benchmarks and the notebooks."""

from ferlib.table import format_table


def test_a_column_of_fractions_gets_four_decimals_and_integers_get_separators() -> None:
    table = format_table(["model", "accuracy", "faces"], [["small", 0.45, 28709], ["large", 0.6818, 3589]])
    assert table.splitlines() == [
        "model  accuracy   faces",
        "-----  --------  ------",
        "small    0.4500  28,709",
        "large    0.6818   3,589",
    ]


def test_every_number_of_a_column_has_as_many_decimals() -> None:
    lines = format_table(["ms"], [[0.31], [5.9], [1234.5]]).splitlines()[2:]
    assert lines == ["    0.31", "    5.90", "1,234.50"]
    assert format_table(["minutes"], [[125.3], [9.0]]).splitlines()[2:] == ["  125.3", "    9.0"]


def test_text_is_left_aligned_and_a_missing_value_is_blank() -> None:
    lines = format_table(["run", "PrivateTest"], [["a", None], ["bb", 0.6896]]).splitlines()[2:]
    assert lines == ["a", "bb        0.6896"]
