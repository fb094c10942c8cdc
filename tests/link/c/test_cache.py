import io
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import theano
from tests.link.c.sources import add_module_source, sum_module_source
from theano.cache import main as cache_main
from theano.link.c import cache, compile_module, compiler

pytestmark = pytest.mark.usefixtures("needs_compiler")


def published(root) -> list[str]:
    return sorted(entry.key for entry in cache.entries(str(root)))


def build_dirs(root) -> list[str]:
    return [name for name in os.listdir(root) if name.startswith(cache.TMP_PREFIX)]


def set_last_use(root, key: str, when: float) -> None:
    entry_dir = os.path.join(root, key)
    with open(os.path.join(entry_dir, cache.META_NAME)) as handle:
        meta = json.load(handle)
    meta["last_use"] = when
    meta["created"] = min(meta["created"], when)
    with open(os.path.join(entry_dir, cache.META_NAME), "w") as handle:
        json.dump(meta, handle)


def test_cache_directory_is_private_and_laid_out(cache_dir):
    source = add_module_source("layout")
    compile_module(source, "layout")
    assert os.stat(cache_dir).st_mode & 0o777 == 0o700
    [key] = published(cache_dir)
    assert key == cache.module_key(source, "layout")
    entry_dir = cache_dir / key
    assert sorted(os.listdir(entry_dir)) == ["layout.c", "layout.so", "meta.json"]
    assert (entry_dir / "layout.c").read_text() == source
    meta = json.loads((entry_dir / "meta.json").read_text())
    so_bytes = (entry_dir / "layout.so").read_bytes()
    assert meta["size"] == len(so_bytes)
    assert meta["sha256"] == cache._file_sha256(str(entry_dir / "layout.so"))
    assert meta["inputs"]["numpy"] == np.__version__
    assert meta["inputs"]["compiler"] == compiler.compiler_path()
    assert meta["created"] <= meta["last_use"]
    assert build_dirs(cache_dir) == []


def test_second_compile_is_a_cache_hit(cache_dir):
    source = sum_module_source("hit_twice")
    before = compiler.invocations
    first = compile_module(source, "hit_twice")
    assert compiler.invocations == before + 1
    # same process: the same module object, no compiler
    assert compile_module(source, "hit_twice") is first
    # a fresh process view (in-memory dict emptied): loaded from the directory, no compiler
    cache.forget_loaded_modules()
    again = compile_module(source, "hit_twice")
    assert compiler.invocations == before + 1
    assert again.total(np.ones(5)) == 5.0
    assert len(published(cache_dir)) == 1


def test_different_sources_and_flags_get_different_keys(cache_dir):
    one = add_module_source("keyed", offset=0.0)
    two = add_module_source("keyed", offset=1.0)
    assert cache.module_key(one, "keyed") != cache.module_key(two, "keyed")
    assert cache.module_key(one, "keyed") == cache.module_key(one, "keyed")
    with theano.change_flags(gcc__cxxflags="-DSOMETHING"):
        assert cache.module_key(one, "keyed") != cache.module_key(two, "keyed")
        flagged = cache.module_key(one, "keyed")
    assert flagged != cache.module_key(one, "keyed")
    assert compile_module(one, "keyed").add(1.0, 1.0) == 2.0
    assert compile_module(two, "keyed").add(1.0, 1.0) == 3.0
    assert len(published(cache_dir)) == 2


def test_truncated_shared_object_is_detected_and_rebuilt(cache_dir):
    source = add_module_source("truncated")
    compile_module(source, "truncated")
    [key] = published(cache_dir)
    so_path = cache_dir / key / "truncated.so"
    content = so_path.read_bytes()
    # write the truncated copy as a new file: the loaded one stays mapped in this process
    (cache_dir / "partial.so").write_bytes(content[: len(content) // 3])
    os.replace(cache_dir / "partial.so", so_path)
    cache.forget_loaded_modules()
    before = compiler.invocations
    with pytest.warns(RuntimeWarning, match="corrupt"):
        module = compile_module(source, "truncated")
    assert compiler.invocations == before + 1
    assert module.add(2.0, 3.0) == 5.0
    assert published(cache_dir) == [key]
    meta = json.loads((cache_dir / key / "meta.json").read_text())
    assert meta["sha256"] == cache._file_sha256(str(so_path))
    assert build_dirs(cache_dir) == []


def test_unreadable_metadata_is_rebuilt(cache_dir):
    source = add_module_source("bad_meta")
    compile_module(source, "bad_meta")
    [key] = published(cache_dir)
    (cache_dir / key / "meta.json").write_text("{not json")
    cache.forget_loaded_modules()
    with pytest.warns(RuntimeWarning, match="metadata"):
        assert compile_module(source, "bad_meta").add(1.0, 2.0) == 3.0
    assert json.loads((cache_dir / key / "meta.json").read_text())["key"] == key


def _compile_in_worker(root: str, source: str, module_name: str) -> tuple[float, int]:
    with theano.change_flags(compiledir=root):
        module = compile_module(source, module_name)
    return module.add(20.0, 22.0), compiler.invocations


def test_eight_processes_compiling_the_same_new_source(cache_dir):
    # a source no earlier run has cached (the directory is new anyway)
    offset = float(time.time_ns() % 1000)
    source = add_module_source("raced", offset=offset)
    context = multiprocessing.get_context("spawn")
    with context.Pool(8) as pool:
        results = pool.starmap_async(_compile_in_worker, [(str(cache_dir), source, "raced")] * 8).get(timeout=120)
    assert [value for value, _ in results] == [42.0 + offset] * 8
    # the per-key lock: one process compiled, the seven others waited and loaded its result
    assert sum(count for _, count in results) == 1
    assert published(cache_dir) == [cache.module_key(source, "raced")]
    assert build_dirs(cache_dir) == []


def test_process_killed_mid_compile_blocks_nothing(cache_dir):
    source = add_module_source("survivor")
    key = cache.module_key(source, "survivor")
    root = cache.cache_root()
    # a dead process's leftovers: a half-written build directory, long ago
    stale = os.path.join(root, cache.TMP_PREFIX + "dead")
    os.makedirs(stale)
    with open(os.path.join(stale, "survivor.so"), "wb") as handle:
        handle.write(b"\x7fELF half")
    old = time.time() - 2 * cache.STALE_BUILD_SECONDS
    os.utime(stale, (old, old))
    # ... and a process that holds the key's lock when it is killed
    lock_path = os.path.join(root, cache.LOCK_DIR, f"{key}.lock")
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import fcntl, sys, time\n"
         f"f = open({lock_path!r}, 'a+b')\n"
         "fcntl.flock(f.fileno(), fcntl.LOCK_EX)\n"
         "print('locked', flush=True)\n"
         "time.sleep(600)\n"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
        holder.stdout.close()
    assert os.path.exists(lock_path)
    module = compile_module(source, "survivor")
    assert module.add(1.0, 1.0) == 2.0
    assert published(cache_dir) == [key]
    # the stale build directory was swept after the publish
    assert not os.path.exists(stale)


def test_lock_is_per_key_not_global(cache_dir):
    held_source = add_module_source("held")
    root = cache.cache_root()
    with cache._key_lock(root, cache.module_key(held_source, "held")):
        # another key compiles while this one's lock is held (a global lock would deadlock here)
        assert compile_module(add_module_source("free"), "free").add(1.0, 2.0) == 3.0


def test_eviction_deletes_least_recently_used(cache_dir):
    keys = []
    for index in range(4):
        source = add_module_source(f"evict{index}")
        compile_module(source, f"evict{index}")
        keys.append(cache.module_key(source, f"evict{index}"))
    now = time.time()
    # last uses: evict2 oldest, then evict0, evict3, evict1
    for key, age in zip(keys, [300, 100, 400, 200]):
        set_last_use(cache_dir, key, now - age)
    sizes = {entry.key: entry.size for entry in cache.entries(str(cache_dir))}
    bound = sizes[keys[1]] + sizes[keys[3]] + sizes[keys[0]] // 2
    deleted = cache.evict(str(cache_dir), max_bytes=bound)
    assert deleted == [keys[2], keys[0]]
    assert published(cache_dir) == sorted([keys[1], keys[3]])
    # the kept key survives even when it is the least recently used
    assert cache.evict(str(cache_dir), max_bytes=0, keep=keys[3]) == [keys[1]]
    assert published(cache_dir) == [keys[3]]


def test_eviction_runs_after_each_publish(cache_dir):
    # sources padded by a 400 KiB comment: three entries exceed a 1 MiB bound
    padding = "/*" + "x" * (400 * 1024) + "*/\n"
    keys = []
    with theano.change_flags(compiledir_max_mb=1):
        for index in range(3):
            source = padding + add_module_source(f"big{index}")
            compile_module(source, f"big{index}")
            keys.append(cache.module_key(source, f"big{index}"))
            set_last_use(cache_dir, keys[-1], time.time() - 100 + index)
    assert published(cache_dir) == sorted(keys[1:])
    assert cache.total_size(str(cache_dir)) <= 1024 * 1024


def test_cli_list_info_clear_purge(cache_dir):
    compile_module(add_module_source("cli_old"), "cli_old")
    compile_module(add_module_source("cli_new"), "cli_new")
    old_key = cache.module_key(add_module_source("cli_old"), "cli_old")
    set_last_use(cache_dir, old_key, time.time() - 10 * 86400)

    out = io.StringIO()
    assert cache_main(["list"], out=out) == 0
    listing = out.getvalue()
    assert old_key[:16] in listing and "cli_new" in listing
    assert "10d" in listing

    out = io.StringIO()
    cache_main(["info"], out=out)
    assert str(cache_dir) in out.getvalue()
    assert "entries: 2" in out.getvalue()
    assert "1024 MiB" in out.getvalue()

    out = io.StringIO()
    cache_main(["clear"], out=out)
    assert "deleted 1 entry" in out.getvalue()
    assert [entry.module_name for entry in cache.entries(str(cache_dir))] == ["cli_new"]

    cache_main(["clear", "--days", "30"], out=io.StringIO())
    assert len(published(cache_dir)) == 1
    cache_main(["clear", "--all"], out=io.StringIO())
    assert published(cache_dir) == []

    compile_module(add_module_source("cli_again"), "cli_again")
    cache_main(["purge"], out=io.StringIO())
    assert not cache_dir.exists()
    out = io.StringIO()
    cache_main(["info"], out=out)
    assert "does not exist" in out.getvalue()


def test_cli_runs_as_a_module(tmp_path):
    env = dict(os.environ, THEANO_COMPILEDIR=str(tmp_path / "from_env"))
    result = subprocess.run([sys.executable, "-m", "theano.cache", "info"], capture_output=True, text=True,
                            env=env, timeout=60, check=True)
    assert str(tmp_path / "from_env") in result.stdout
    assert "entries: 0" in result.stdout
