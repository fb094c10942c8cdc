"""Every python code block of the user guide (docs/*.md) runs.

Each page's blocks run in order, in one namespace, in a temporary directory (some write files).
Blocks that are not meant to run are marked ```bash or ```text. docs/extending.md has its own
test (tests/test_docs_extending.py).
"""

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
TESTED_ELSEWHERE = {"extending.md"}
PAGES = sorted(p.name for p in DOCS.glob("*.md") if p.name not in TESTED_ELSEWHERE)


def python_blocks(text: str) -> list[str]:
    """The bodies of the page's fenced ```python blocks, in order."""
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


def test_the_guide_has_pages():
    assert {"README.md", "basics.md", "gradients.md", "debugging.md"} <= set(PAGES)


def test_block_extraction():
    text = "a\n```python\nx = 1\n```\n```bash\nls\n```\n```python\ny = 2\n```\n"
    assert python_blocks(text) == ["x = 1\n", "y = 2\n"]


def test_the_index_links_every_page():
    index = (DOCS / "README.md").read_text()
    for page in DOCS.glob("*.md"):
        if page.name != "README.md":
            assert f"({page.name})" in index, f"docs/README.md does not link {page.name}"


@pytest.mark.parametrize("page", PAGES)
def test_every_code_block_runs(page, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    path = DOCS / page
    namespace: dict = {"__name__": f"docs_{path.stem}"}
    for k, block in enumerate(python_blocks(path.read_text())):
        try:
            exec(compile(block, f"{page}[block {k}]", "exec"), namespace)
        except Exception as exc:
            raise AssertionError(f"code block {k} of {page} failed:\n{block}") from exc
    capsys.readouterr()
