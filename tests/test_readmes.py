"""Both READMEs are shown on the package index too, where a relative link leads nowhere
(issue 30): every link and image is absolute, and those into this repository name a file that
exists."""

from __future__ import annotations

from pathlib import Path

import pytest
from markdown_it import MarkdownIt

REPO = Path(__file__).resolve().parent.parent
BLOB = "https://github.com/fusionAIze/metadata/blob/main/"


def _targets(page: Path) -> list[str]:
    tokens = MarkdownIt("commonmark").parse(page.read_text(encoding="utf-8"))
    found = []
    for token in tokens:
        for child in token.children or ():
            if child.type == "link_open":
                found.append(str(child.attrs["href"]))
            elif child.type == "image":
                found.append(str(child.attrs["src"]))
    return found


@pytest.mark.parametrize("page", ["README.md", "consumer/README.md"])
def test_every_link_is_absolute_and_into_the_repository_names_a_file(page: str) -> None:
    targets = _targets(REPO / page)
    assert targets
    for target in targets:
        assert target.startswith(("https://", "http://", "#")), f"{page}: relative link {target}"
        if target.startswith(BLOB):
            assert (REPO / target.removeprefix(BLOB).split("#")[0]).exists(), f"{page}: {target} names no file"
