import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refresher.jsonio import JsonProblem, dumps, loads_strict, write_atomic

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
