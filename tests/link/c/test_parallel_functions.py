"""Eight processes compiling the same new function at once: no deadlock, one gcc run per kernel."""

import json
import subprocess
import sys
import textwrap

import pytest

from theano.link.c import compiler

pytestmark = pytest.mark.skipif(not compiler.have_compiler(), reason="no C compiler")

WORKER = textwrap.dedent("""
    import json, sys
    import numpy as np
    import theano, theano.tensor as T
    from theano.link.c import compiler
    x = T.dmatrix("x")
    y = T.dvector("y")
    out = (T.tanh(x * 1.2345 + y) ** 2).sum(axis=0) - T.exp(y)
    f = theano.function([x, y], out)
    value = f(np.ones((3, 4)), np.arange(4.0))
    print(json.dumps({"gcc_runs": compiler.invocations, "value": value.tolist(), "in_c": sum(f.fn.c_nodes)}))
""")


def test_eight_processes_compile_one_new_function(tmp_path):
    env_flags = f"compiledir={tmp_path / 'cache'}"
    processes = [subprocess.Popen([sys.executable, "-c", WORKER], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, env={**_base_env(), "THEANO_FLAGS": env_flags}) for _ in range(8)]
    reports = []
    for process in processes:
        out, err = process.communicate(timeout=600)
        assert process.returncode == 0, err
        reports.append(json.loads(out.strip().splitlines()[-1]))
    values = {json.dumps(r["value"]) for r in reports}
    assert len(values) == 1
    in_c = reports[0]["in_c"]
    assert in_c >= 2
    # every kernel (and the runtime module) was compiled by exactly one of the processes
    total_runs = sum(r["gcc_runs"] for r in reports)
    one = subprocess.run([sys.executable, "-c", WORKER], capture_output=True, text=True, timeout=600,
                         env={**_base_env(), "THEANO_FLAGS": f"compiledir={tmp_path / 'alone'}"})
    alone = json.loads(one.stdout.strip().splitlines()[-1])["gcc_runs"]
    assert total_runs == alone


def _base_env() -> dict:
    import os

    return {key: value for key, value in os.environ.items() if key != "THEANO_FLAGS"}
