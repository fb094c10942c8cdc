"""theano.config: flags, THEANO_FLAGS, .theanorc, errors and change_flags."""

import os
import subprocess
import sys
import textwrap

import pytest

import theano
from theano.configparser import ConfigError, TheanoConfigParser, change_flags, parse_theano_flags

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_python(code: str, **env_extra) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("THEANO_FLAGS", None)
    env.update(env_extra)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env,
                          timeout=120)


def test_defaults():
    assert theano.config.floatX == "float64"
    assert theano.config.device == "cpu"
    assert theano.config.on_unused_input == "raise"
    assert theano.config.unittests.rseed == "666"
    assert theano.config.compiledir.startswith(theano.config.base_compiledir)


def test_parse_theano_flags():
    assert parse_theano_flags("floatX=float32, device=cpu,,profile") == {
        "floatX": "float32", "device": "cpu", "profile": "True"}


def test_theano_flags_environment():
    result = run_python("import theano; print(theano.config.floatX, theano.config.optimizer)",
                        THEANO_FLAGS="floatX=float32,optimizer=fast_compile")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["float32", "fast_compile"]


def test_unknown_flag_is_an_error():
    result = run_python("import theano", THEANO_FLAGS="floatx=float32")
    assert result.returncode != 0
    assert "unknown flag" in result.stderr and "'floatx'" in result.stderr


def test_bad_value_is_an_error():
    result = run_python("import theano", THEANO_FLAGS="floatX=float128")
    assert result.returncode != 0
    assert "Bad value 'float128' for config flag 'floatX'" in result.stderr


def test_theanorc_file(tmp_path):
    rc = tmp_path / "theanorc"
    rc.write_text("[global]\nfloatX = float32\n\n[unittests]\nrseed = 1234\n")
    result = run_python("import theano; print(theano.config.floatX, theano.config.unittests.rseed)",
                        THEANORC=str(rc))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["float32", "1234"]
    both = run_python("import theano; print(theano.config.floatX)", THEANORC=str(rc), THEANO_FLAGS="floatX=float64")
    assert both.stdout.strip() == "float64"  # THEANO_FLAGS wins over the file


def test_change_flags_context_and_decorator():
    with change_flags(floatX="float32"):
        assert theano.config.floatX == "float32"
        import theano.tensor as T

        assert T.matrix().dtype == "float32"
    assert theano.config.floatX == "float64"

    @theano.change_flags(floatX="float32")
    def inside():
        return theano.config.floatX

    assert inside() == "float32"
    assert theano.config.floatX == "float64"
    with theano.config.change_flags(on_unused_input="ignore"):
        assert theano.config.on_unused_input == "ignore"
    with change_flags({"unittests.rseed": "7"}):
        assert theano.config.unittests.rseed == "7"
    with change_flags(unittests__rseed="8"):
        assert theano.config.unittests.rseed == "8"


def test_change_flags_restores_after_exception():
    with pytest.raises(RuntimeError):
        with change_flags(floatX="float32"):
            raise RuntimeError
    assert theano.config.floatX == "float64"


def test_setting_values():
    old = theano.config.on_unused_input
    try:
        theano.config.on_unused_input = "warn"
        assert theano.config.on_unused_input == "warn"
        with pytest.raises(ConfigError, match="expected one of"):
            theano.config.on_unused_input = "sometimes"
        with pytest.raises(ConfigError, match="no flag named"):
            theano.config.no_such_flag = 1
        with pytest.raises(ConfigError, match="cannot be changed"):
            theano.config.device = "cuda"
    finally:
        theano.config.on_unused_input = old
    with pytest.raises(AttributeError):
        _ = theano.config.no_such_flag


def test_parser_is_reusable():
    cfg = TheanoConfigParser({"answer": "42"}, [])
    from theano.configparser import IntParam

    cfg.add("answer", "a number", IntParam(0))
    assert cfg.answer == 42
    with pytest.raises(ConfigError):
        cfg.answer = "not a number"
