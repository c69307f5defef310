"""Every upstream string in the PR body is neutralised (issue 27, point 3): a generated body carried
3 mentions, 2 issue references, a tracking image and 4 links, from upstream model names. The body
is rendered here through a real Markdown renderer (markdown-it-py, CommonMark with tables): no
link, image or HTML survives, and every mention or reference is inside code, where GitHub links
nothing."""

from __future__ import annotations

import re

import pytest
from markdown_it import MarkdownIt

from refresher.review.report import ChangeReport, Risk
from refresher.rules.risks import RiskKind

HOSTILE = [
    "@octocat please look", "cc @fusionAIze/maintainers", "fixes fusionAIze/metadata#1 and #2",
    "[click](https://evil.example/x)", "![](https://evil.example/pixel.png)", "<img src=x onerror=alert(1)>",
    "https://evil.example/autolink", "www.evil.example", "a | b | c", "`code` and ``more``", "**bold** _it_",
    "<script>alert(1)</script>", "Ev\u202eil\x07",
]


def _rendered(*strings: str) -> str:
    report = ChangeReport()
    for text in strings:
        report.risks.append(Risk(RiskKind.NEW_CONFLICT, f"provider/{text}", text))
        report.added.append({"offering": f"provider/{text}", "model": text, "input": 1.0, "output": 2.0})
    return MarkdownIt("commonmark").enable("table").render(report.markdown())


@pytest.mark.parametrize("text", HOSTILE)
def test_an_upstream_string_renders_as_text(text: str) -> None:
    html = _rendered(text)
    assert "<a " not in html and "<img" not in html and "<script" not in html
    outside_code = re.sub(r"<code>.*?</code>", "", html, flags=re.S)
    assert "@" not in outside_code and "#1" not in outside_code and "://" not in outside_code
    assert "www." not in outside_code and "<strong>bold" not in html and "<em>it" not in html
    assert "\u202e" not in html and "\x07" not in html


def test_a_hostile_string_stays_in_its_cell() -> None:
    html = _rendered("a | b | c")
    rows = re.findall(r"<tr>(.*?)</tr>", html, flags=re.S)
    assert {row.count("<td") for row in rows} <= {0, 3, 4, 11}  # no cell split by an upstream pipe


def test_plain_names_stay_plain() -> None:
    html = _rendered("anthropic/claude-sonnet-4.5")
    assert "<td>provider/anthropic/claude-sonnet-4.5</td>" in html
