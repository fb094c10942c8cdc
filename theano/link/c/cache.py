"""The content-addressed compile cache.

An entry is a directory ``<root>/<key>/`` holding the shared object ``<module>.so``, its source
``<module>.c`` and ``meta.json`` (the key's inputs, the size and sha256 of the ``.so``, creation and
last-use times). The key is the sha256 of everything the shared object depends on: the source, the
compiler and its version, the flags, the Python version and ABI, the NumPy version and the CPU.

Concurrency, without any global lock:

- a module is built in a private directory ``<root>/tmp-*`` and published by one ``os.replace`` of
  the whole directory; if another process published the same key first, ours is discarded;
- a per-key ``fcntl.flock`` on ``<root>/locks/<key>.lock`` makes processes that want the SAME new
  key wait for the one compiling it instead of compiling it again; different keys build in
  parallel. The kernel drops the lock of a process that dies, so a stale lock file blocks nothing;
- the source of a module the compiler rejects is kept in ``<root>/failed/``;
- an entry whose ``.so`` does not match the sha256 in its metadata is deleted and rebuilt;
- entries are deleted by first renaming them to a ``tmp-*`` name, so no reader sees half an entry;
- after each publish, least recently used entries are deleted while the total size exceeds
  ``config.compiledir_max_mb``.

Within one process, loaded modules are kept in a dict by (root, key).
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import fcntl
import hashlib
import json
import os
import platform
import shutil
import sys
import sysconfig
import tempfile
import time
import types
import warnings
from collections.abc import Iterator, Sequence

import numpy as np

from theano.configdefaults import config
from theano.link.c import compiler

__all__ = [
    "CacheEntry",
    "cache_root",
    "clear",
    "delete_entry",
    "entries",
    "evict",
    "forget_loaded_modules",
    "get_module",
    "module_key",
    "purge",
    "total_size",
]

META_NAME = "meta.json"
TMP_PREFIX = "tmp-"
LOCK_DIR = "locks"
FAILED_DIR = "failed"
# A build directory older than this is left over by a dead process and may be deleted.
STALE_BUILD_SECONDS = 3600.0

# (root, key) -> module, and a faster road that skips computing the key:
# (root, compiler, openmp, extra flags, module name, source) -> module
_loaded: dict[tuple[str, str], types.ModuleType] = {}
_loaded_by_source: dict[tuple, types.ModuleType] = {}


@dataclasses.dataclass
class CacheEntry:
    """One published module: its directory and metadata."""

    key: str
    path: str
    module_name: str
    size: int
    created: float
    last_use: float


# -- keys and locations ----------------------------------------------------------------------


def cache_root() -> str:
    """The cache directory (``config.compiledir``), created with mode 0700 if missing."""
    root = os.path.abspath(os.path.expanduser(config.compiledir))
    os.makedirs(root, mode=0o700, exist_ok=True)
    os.makedirs(os.path.join(root, LOCK_DIR), mode=0o700, exist_ok=True)
    return root


def key_inputs(source: str, module_name: str, extra_compile_flags: Sequence[str] = (),
               extra_link_flags: Sequence[str] = ()) -> dict[str, str]:
    """Everything a compiled module depends on besides its source, as strings (a module's own
    extra flags, such as a user op's ``c_compile_args`` and ``c_libraries``, among them)."""
    compiler_file = compiler.compiler_path()
    inputs = {
        "module_name": module_name,
        "compiler": compiler_file,
        "compiler_version": compiler.compiler_version(compiler_file),
        "compile_flags": " ".join(compiler.compile_flags()),
        "link_flags": " ".join(compiler.link_flags(compiler_file)),
        "python": sys.version,
        "abi": f"{sys.implementation.cache_tag} {sys.abiflags} {sysconfig.get_config_var('EXT_SUFFIX')}",
        "numpy": np.__version__,
        "cpu": compiler.cpu_model(),
        # not platform.platform(): it names the kernel, and a kernel update changes no compiled code
        "platform": f"{sys.platform} {platform.machine()} {' '.join(platform.libc_ver())}",
        "source_sha256": hashlib.sha256(source.encode("utf-8")).hexdigest(),
    }
    # absent when empty, so the keys of modules without extra flags stay what they were
    if extra_compile_flags:
        inputs["extra_compile_flags"] = json.dumps(list(extra_compile_flags))
    if extra_link_flags:
        inputs["extra_link_flags"] = json.dumps(list(extra_link_flags))
    return inputs


def module_key(source: str, module_name: str, extra_compile_flags: Sequence[str] = (),
               extra_link_flags: Sequence[str] = ()) -> str:
    """The cache key of ``source``: a sha256 hex digest of the source and of :func:`key_inputs`."""
    return _key_of(key_inputs(source, module_name, extra_compile_flags, extra_link_flags))


def _key_of(inputs: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode("utf-8")).hexdigest()


def _file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# -- metadata ------------------------------------------------------------------------------


def _read_meta(entry_dir: str) -> dict | None:
    try:
        with open(os.path.join(entry_dir, META_NAME), encoding="utf-8") as handle:
            meta = json.load(handle)
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None


def _write_meta(entry_dir: str, meta: dict) -> None:
    """Write ``meta.json`` atomically (readers see the old or the new file, never half of one)."""
    handle, tmp_path = tempfile.mkstemp(dir=entry_dir, prefix=".meta-", suffix=".json")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(meta, out, indent=1, sort_keys=True)
        os.replace(tmp_path, os.path.join(entry_dir, META_NAME))
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_path)
        raise


def _touch(entry_dir: str, meta: dict) -> None:
    meta["last_use"] = time.time()
    with contextlib.suppress(OSError):
        _write_meta(entry_dir, meta)


# -- publishing and loading -------------------------------------------------------------------


@contextlib.contextmanager
def _key_lock(root: str, key: str) -> Iterator[None]:
    """Hold the per-key lock; a lock file left by a dead process is free again."""
    lock_path = os.path.join(root, LOCK_DIR, f"{key}.lock")
    with open(lock_path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _load(so_path: str, module_name: str, kind: str):
    if kind == "library":
        return ctypes.CDLL(so_path)
    return compiler.load_module(so_path, module_name)


def _load_entry(entry_dir: str, key: str, kind: str = "module"):
    """Load a published entry after checking its ``.so``; None when absent, corrupt entries deleted."""
    if not os.path.isdir(entry_dir):
        return None
    meta = _read_meta(entry_dir)
    so_path = os.path.join(entry_dir, f"{meta['module_name']}.so") if meta else ""
    problem = ""
    if meta is None:
        problem = "its metadata is missing or unreadable"
    elif not os.path.isfile(so_path):
        problem = "its shared object is missing"
    elif os.path.getsize(so_path) != meta.get("size") or _file_sha256(so_path) != meta.get("sha256"):
        problem = "its shared object does not match the recorded size and sha256"
    if problem:
        warnings.warn(f"theano compile cache: entry {key[:16]} at {entry_dir} is corrupt ({problem}); "
                      "deleting and rebuilding it", RuntimeWarning, stacklevel=3)
        _remove_dir(entry_dir)
        return None
    try:
        module = _load(so_path, meta["module_name"], kind)
    except (ImportError, OSError) as exc:
        warnings.warn(f"theano compile cache: entry {key[:16]} at {entry_dir} does not load ({exc}); "
                      "deleting and rebuilding it", RuntimeWarning, stacklevel=3)
        _remove_dir(entry_dir)
        return None
    _touch(entry_dir, meta)
    return module


def _build_and_publish(root: str, key: str, inputs: dict[str, str], source: str, module_name: str,
                       extra_compile_flags: Sequence[str] = (), extra_link_flags: Sequence[str] = ()) -> None:
    """Compile into a private directory and publish it as ``<root>/<key>`` (or let a winner stand)."""
    build_dir = tempfile.mkdtemp(prefix=TMP_PREFIX, dir=root)
    try:
        source_path = os.path.join(build_dir, f"{module_name}.c")
        so_path = os.path.join(build_dir, f"{module_name}.so")
        with open(source_path, "w", encoding="utf-8") as handle:
            handle.write(source)
        try:
            compiler.build_shared_object(source_path, so_path, inputs["compiler"], extra_compile_flags,
                                         extra_link_flags)
        except compiler.CompileError as exc:
            kept = _keep_failed_source(root, key, source, module_name)
            exc.source_path = kept
            exc.stderr = exc.stderr.replace(source_path, kept)
            exc.args = (str(exc.args[0]).replace(source_path, kept),)
            raise
        now = time.time()
        meta = {
            "key": key,
            "module_name": module_name,
            "inputs": inputs,
            "size": os.path.getsize(so_path),
            "sha256": _file_sha256(so_path),
            "created": now,
            "last_use": now,
        }
        _write_meta(build_dir, meta)
        os.chmod(build_dir, 0o700)
        try:
            os.replace(build_dir, os.path.join(root, key))
        except OSError:
            # another process published this key first: theirs stands, ours is discarded
            pass
    finally:
        if os.path.isdir(build_dir):
            shutil.rmtree(build_dir, ignore_errors=True)


def _keep_failed_source(root: str, key: str, source: str, module_name: str) -> str:
    """Keep the source a compiler rejected in ``<root>/failed/``, for a person to read."""
    keep_dir = os.path.join(root, FAILED_DIR)
    os.makedirs(keep_dir, mode=0o700, exist_ok=True)
    path = os.path.join(keep_dir, f"{module_name}-{key[:16]}.c")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(source)
    return path


def get_module(source: str, module_name: str, kind: str = "module", extra_compile_flags: Sequence[str] = (),
               extra_link_flags: Sequence[str] = ()):
    """The loaded module for ``source``: from this process's dict, the cache directory, or the compiler.

    ``kind`` is ``"module"`` for a CPython extension module (loaded by importlib) or ``"library"``
    for a plain shared object such as a kernel (loaded by ``ctypes.CDLL``; the result is the CDLL).
    ``extra_compile_flags`` and ``extra_link_flags`` are passed to
    :func:`~theano.link.c.compiler.build_shared_object` and are part of the key.

    Raises
    ------
    MissingCompilerError
        When no compiler is configured (even when an entry exists: the key names the compiler).
    CompileError
        When the compiler rejects the source.
    """
    extra_compile_flags = tuple(extra_compile_flags)
    extra_link_flags = tuple(extra_link_flags)
    fast_key = (config.compiledir, config.cxx, config.openmp, config.gcc.cxxflags, module_name, kind, source,
                extra_compile_flags, extra_link_flags)
    loaded = _loaded_by_source.get(fast_key)
    if loaded is not None:
        return loaded
    inputs = key_inputs(source, module_name, extra_compile_flags, extra_link_flags)
    if kind != "module":  # absent for extension modules, so module_key() gives their key
        inputs["kind"] = kind
    key = _key_of(inputs)
    root = os.path.abspath(os.path.expanduser(config.compiledir))
    loaded = _loaded.get((root, key))
    if loaded is not None:
        _loaded_by_source[fast_key] = loaded
        return loaded
    root = cache_root()
    entry_dir = os.path.join(root, key)
    module = _load_entry(entry_dir, key, kind)
    if module is None:
        with _key_lock(root, key):
            # another process may have published it while we waited for the lock
            module = _load_entry(entry_dir, key, kind)
            if module is None:
                _build_and_publish(root, key, inputs, source, module_name, extra_compile_flags, extra_link_flags)
        if module is None:
            _evict_after_publish(root, key, entry_dir)
            module = _load_entry(entry_dir, key, kind)
        if module is None:
            raise RuntimeError(f"theano compile cache: the module just built at {entry_dir} could not be loaded")
    _loaded[(root, key)] = module
    _loaded_by_source[fast_key] = module
    return module


def forget_loaded_modules() -> None:
    """Empty this process's dicts of loaded modules (the next request looks at the directory again)."""
    _loaded.clear()
    _loaded_by_source.clear()


# -- inspection and cleanup -------------------------------------------------------------------


def _dir_size(path: str) -> int:
    total = 0
    for item in os.scandir(path):
        with contextlib.suppress(OSError):
            if item.is_file(follow_symlinks=False):
                total += item.stat(follow_symlinks=False).st_size
    return total


def entries(root: str | None = None) -> list[CacheEntry]:
    """The published entries of the cache at ``root`` (default: ``config.compiledir``)."""
    root = root or os.path.abspath(os.path.expanduser(config.compiledir))
    if not os.path.isdir(root):
        return []
    found = []
    for item in os.scandir(root):
        if item.name.startswith(TMP_PREFIX) or item.name in (LOCK_DIR, FAILED_DIR):
            continue
        if not item.is_dir(follow_symlinks=False):
            continue
        meta = _read_meta(item.path) or {}
        with contextlib.suppress(OSError):
            found.append(CacheEntry(
                key=item.name,
                path=item.path,
                module_name=str(meta.get("module_name", "?")),
                size=_dir_size(item.path),
                created=float(meta.get("created", 0.0)),
                last_use=float(meta.get("last_use", 0.0)),
            ))
    return found


def total_size(root: str | None = None) -> int:
    """Bytes used by the published entries."""
    return sum(entry.size for entry in entries(root))


def _remove_dir(path: str) -> None:
    """Delete a directory of the cache: rename it aside first (atomic), then remove it."""
    doomed = tempfile.mkdtemp(prefix=TMP_PREFIX, dir=os.path.dirname(path))
    try:
        os.replace(path, os.path.join(doomed, "entry"))
    except OSError:
        # already removed by someone else, or not renameable: remove in place
        shutil.rmtree(path, ignore_errors=True)
    shutil.rmtree(doomed, ignore_errors=True)


def delete_entry(entry: CacheEntry) -> None:
    """Delete one entry (the module stays usable in processes that already loaded it)."""
    _remove_dir(entry.path)


def _remove_stale_builds(root: str, older_than: float = STALE_BUILD_SECONDS) -> int:
    """Delete ``tmp-*`` build directories left behind by dead processes; returns how many."""
    removed = 0
    now = time.time()
    for item in os.scandir(root):
        if item.name.startswith(TMP_PREFIX) and item.is_dir(follow_symlinks=False):
            with contextlib.suppress(OSError):
                if now - item.stat().st_mtime > older_than:
                    shutil.rmtree(item.path, ignore_errors=True)
                    removed += 1
    return removed


# Per cache root: (estimated bytes, time.monotonic() of the last full scan). A publish adds its
# entry's size to the estimate; the directory is scanned again (and trimmed) only when the
# estimate passes the bound or the last scan is old, so that publishing stays O(1) instead of
# reading every entry of a cache with thousands of them.
_size_estimates: dict[str, tuple[int, float]] = {}
RESCAN_SECONDS = 600.0


def _evict_after_publish(root: str, key: str, entry_dir: str) -> None:
    bound = config.compiledir_max_mb * 1024 * 1024
    now = time.monotonic()
    known = _size_estimates.get(root)
    if known is not None:
        estimate = known[0] + _dir_size(entry_dir) if os.path.isdir(entry_dir) else known[0]
        if estimate <= bound and now - known[1] < RESCAN_SECONDS:
            _size_estimates[root] = (estimate, known[1])
            return
    _, remaining = _trim(root, bound, keep=key)
    _size_estimates[root] = (remaining, now)


def _trim(root: str, max_bytes: int, keep: str | None) -> tuple[list[str], int]:
    """Delete least recently used entries until at most ``max_bytes`` remain; (deleted keys, bytes left)."""
    _remove_stale_builds(root)
    found = entries(root)
    total = sum(entry.size for entry in found)
    deleted = []
    for entry in sorted(found, key=lambda item: item.last_use):
        if total <= max_bytes:
            break
        if entry.key == keep:
            continue
        delete_entry(entry)
        total -= entry.size
        deleted.append(entry.key)
    return deleted, total


def evict(root: str | None = None, max_bytes: int | None = None, keep: str | None = None) -> list[str]:
    """Delete least recently used entries while the cache is larger than ``max_bytes``.

    Parameters
    ----------
    root
        The cache directory (default: ``config.compiledir``).
    max_bytes
        The bound (default: ``config.compiledir_max_mb`` MiB).
    keep
        A key never to delete (the entry just published).

    Returns
    -------
    list of str
        The keys deleted.
    """
    root = root or cache_root()
    if max_bytes is None:
        max_bytes = config.compiledir_max_mb * 1024 * 1024
    return _trim(root, max_bytes, keep)[0]


def clear(days: float = 7.0, everything: bool = False, root: str | None = None) -> list[str]:
    """Delete entries not used for ``days`` days (all of them with ``everything``); returns their keys."""
    root = root or os.path.abspath(os.path.expanduser(config.compiledir))
    if not os.path.isdir(root):
        return []
    limit = time.time() - days * 86400.0
    deleted = []
    for entry in entries(root):
        if everything or entry.last_use < limit:
            delete_entry(entry)
            deleted.append(entry.key)
    _remove_stale_builds(root)
    forget_loaded_modules()
    return deleted


def purge(root: str | None = None) -> None:
    """Delete the whole cache directory."""
    root = root or os.path.abspath(os.path.expanduser(config.compiledir))
    shutil.rmtree(root, ignore_errors=True)
    forget_loaded_modules()
