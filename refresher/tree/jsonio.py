"""Reading and writing JSON the way the metadata needs it.

* :func:`dumps` is the one deterministic writer: sorted keys, two-space indent, UTF-8, integral
  floats written as integers (``3.0`` → ``3``, so a source that sends ``"0.000003"`` and one that
  sends ``3`` give the same bytes), a trailing newline.
* :func:`loads_strict` rejects duplicate keys (``json.loads`` silently keeps the last one),
  NaN/Infinity and non-finite numbers, and names where it found the problem.
* :func:`write_atomic` never leaves a half-written file.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from gate_consumer.files import write_atomic as write_bytes_atomic

__all__ = ["JsonProblem", "dumps", "dumps_canonical", "loads_strict", "write_atomic"]


class JsonProblem(ValueError):
    """A file that is not the JSON we accept; ``str()`` names the file and the place."""


def _canonical(value: Any) -> Any:
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"refusing to write the non-finite number {value!r}")
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return value


def dumps(value: Any, *, compact: bool = False) -> str:
    """The canonical text of ``value``: same data, same bytes. Indented for files people
    review; ``compact`` for published files that programs read."""
    if compact:
        return json.dumps(_canonical(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
    return json.dumps(_canonical(value), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _number(text: str) -> float | int:
    """A JSON number with a fraction or an exponent, canonical as :func:`dumps` writes it
    (``3.0`` → ``3``): data read strictly is canonical, so what is built from it can be written
    with :func:`dumps_canonical` in one pass."""
    value = float(text)
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def dumps_canonical(value: Any) -> str:
    """:func:`dumps` ``compact`` for a value already canonical — read with
    :func:`loads_strict`, or built from values that were — in one pass of the C encoder:
    several times faster. A non-finite number still raises."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False) + "\n"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def loads_strict(text: str, *, origin: str) -> Any:
    """Parse ``text``; raise :class:`JsonProblem` naming ``origin`` on any duplicate key or bad JSON."""
    duplicates: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out = dict(items)
        if len(out) < len(items):  # a key twice: name it, and the object by a key that identifies it
            where = next((str(v) for k, v in items if k in ("id", "vendor") and isinstance(v, str)), None)
            seen: set[str] = set()
            for key, _ in items:
                if key in seen:
                    duplicates.append(f"{key!r}" + (f" (in object {where!r})" if where else ""))
                seen.add(key)
        return out

    try:
        data = json.loads(text, object_pairs_hook=pairs, parse_constant=_reject_constant, parse_float=_number)
    except (json.JSONDecodeError, ValueError) as exc:
        raise JsonProblem(f"{origin}: invalid JSON: {exc}") from None
    if duplicates:
        raise JsonProblem(f"{origin}: duplicate key {', '.join(duplicates)}")
    return data


def write_atomic(path: Path, text: str, *, durable: bool = True) -> bool:
    """Write ``text`` (UTF-8) atomically; return False if the file already holds it.
    ``durable=False`` skips the fsync (see :func:`gate_consumer.files.write_atomic`)."""
    return write_bytes_atomic(path, text.encode("utf-8"), durable=durable)
