import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refresher.tree.jsonio import JsonProblem, dumps, dumps_canonical, loads_strict, write_atomic

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_write_read_write_is_byte_stable(value: object) -> None:
    text = dumps(value)
    assert dumps(loads_strict(text, origin="t")) == text
    assert text.endswith("\n")


@given(json_values)
def test_data_read_strictly_needs_no_second_pass_to_be_written_compact(value: object) -> None:
    # what the build relies on: whatever the file said, 3.0 or 3, it is read as 3
    read = loads_strict(json.dumps(value), origin="t")
    assert dumps_canonical(read) == dumps(value, compact=True)


@pytest.mark.parametrize(("text", "read"), [("3.0", 3), ("1e3", 1000), ("-0.0", 0), ("0.5", 0.5), ("1e300", 1e300),
                                            ("9007199254740993.0", 9007199254740992.0)])
def test_integral_numbers_are_read_as_integers(text: str, read: float) -> None:
    value = loads_strict(f'{{"x": {text}}}', origin="t")["x"]
    assert value == read and type(value) is type(read)


def test_integral_floats_are_written_as_integers() -> None:
    assert dumps({"b": 3.0, "a": 0.3}) == '{\n  "a": 0.3,\n  "b": 3\n}\n'


def test_non_finite_numbers_are_refused() -> None:
    with pytest.raises(ValueError, match="non-finite"):
        dumps({"price": math.nan})
    with pytest.raises(JsonProblem, match="NaN"):
        loads_strict('{"price": NaN}', origin="providers/x.json")


def test_duplicate_keys_are_detected_with_their_place() -> None:
    text = '{"id": "acme", "offerings": {"m": {"model": "a/b", "model": "a/c"}}}'
    assert json.loads(text)["offerings"]["m"]["model"] == "a/c"  # what a plain load would hide
    with pytest.raises(JsonProblem, match=r"providers/acme.json: duplicate key 'model'"):
        loads_strict(text, origin="providers/acme.json")


def test_write_atomic_reports_unchanged(tmp_path) -> None:
    path = tmp_path / "a.json"
    assert write_atomic(path, "x\n") is True
    assert write_atomic(path, "x\n") is False
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]  # no temporary left behind
