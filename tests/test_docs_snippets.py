"""The Python examples in the guides run, and print what they say (issue 30: docs/consumer.md's
examples printed other values than the page — ``aging`` where it said ``Freshness.STALE``,
three sources where it said one).

Every ```python block of the pages below runs, statement by statement, in one namespace per page
(the clock is the suite's frozen one). A statement followed by ``# <value>`` — a Python literal,
or a ``Freshness`` member — must evaluate to that value; a comment in words is left as words.
A name a block uses without defining it (``response_body``) comes from :data:`GIVEN`.
"""

from __future__ import annotations

import ast
import math
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
PAGES = ["docs/consumer.md", "consumer/README.md", "README.md"]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.M | re.S)


def _openrouter_body() -> Any:
    """A recorded OpenRouter response (tests/fixtures/billed), as a gateway receives it."""
    import json

    cassette = REPO / "tests/fixtures/billed/models-cassettes-test_openai_prompt_cache-test_openrouter_responses_prompt_cache_e2e.yaml"
    for interaction in yaml.safe_load(cassette.read_text())["interactions"]:
        body = interaction["response"].get("parsed_body") or interaction["response"].get("body", {}).get("string")
        if body:
            return body if isinstance(body, dict) else json.loads(body)
    raise AssertionError("no response body in the cassette")


#: what the examples take as given
GIVEN = {"response_body": _openrouter_body}


def _blocks(page: str) -> list[tuple[int, str]]:
    text = (REPO / page).read_text(encoding="utf-8")
    return [(text[: m.start()].count("\n") + 2, m.group(1)) for m in BLOCK.finditer(text)]


def _expected(comment: str) -> tuple[bool, Any]:
    """The value a ``# …`` comment states, if it states one."""
    import gate_consumer

    claim = comment.strip()
    member = re.fullmatch(r"Freshness\.([A-Z]+)", claim)
    if member:
        return True, gate_consumer.Freshness[member.group(1)]
    try:
        return True, ast.literal_eval(claim)
    except (ValueError, SyntaxError):
        return False, None


def _same(actual: Any, expected: Any) -> bool:
    if isinstance(expected, float) and isinstance(actual, float):
        return math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(expected, tuple) and isinstance(actual, tuple) and len(actual) == len(expected):
        return all(_same(a, e) for a, e in zip(actual, expected, strict=True))
    return actual == expected


@pytest.mark.parametrize("page", PAGES)
def test_every_python_example_runs_and_prints_what_the_page_says(page: str) -> None:
    namespace: dict[str, Any] = {}
    checked = 0
    for first_line, block in _blocks(page):
        lines = block.splitlines()
        tree = ast.parse(block)
        for name in {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} & set(GIVEN):
            namespace.setdefault(name, GIVEN[name]())
        for statement in tree.body:
            where = f"{page}:{first_line + statement.lineno - 1}"
            source = ast.get_source_segment(block, statement)
            line = lines[statement.end_lineno - 1]  # type: ignore[operator]
            comment = line.split("  # ", 1)[1] if "  # " in line else ""
            states, expected = _expected(comment)
            if isinstance(statement, ast.Expr) and states:
                actual = eval(compile(ast.Expression(statement.value), where, "eval"), namespace)
                assert _same(actual, expected), f"{where}: {source} is {actual!r}, the page says {comment.strip()}"
                checked += 1
            else:
                exec(compile(ast.Module([statement], []), where, "exec"), namespace)
    assert page != "docs/consumer.md" or checked >= 5  # the guide's values are checked, not only run
