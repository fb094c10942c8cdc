"""The python code blocks of docs/extending.md run, in order, in one namespace."""

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "extending.md"


def python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


def test_the_doc_has_code():
    assert len(python_blocks(DOC.read_text())) >= 8


def test_every_code_block_runs(capsys):
    from theano.link.c import compiler

    namespace: dict = {"__name__": "docs_extending"}
    for k, block in enumerate(python_blocks(DOC.read_text())):
        if "c_code" in block and not compiler.have_compiler():
            pytest.skip("no C compiler for the C op example")
        try:
            exec(compile(block, f"{DOC.name}[block {k}]", "exec"), namespace)
        except Exception as exc:
            raise AssertionError(f"code block {k} of {DOC.name} failed:\n{block}") from exc
    out = capsys.readouterr().out
    assert "should be TensorType(float32, vector)" in out  # the as_op error example
    assert "6.0" in out  # the gradient override example
