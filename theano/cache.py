"""``python -m theano.cache``: look at and clean the compile cache.

Commands
--------
list
    One line per entry: key prefix, module name, size, age, last use.
info
    Location, total size, entry count and size limit.
clear [--days N] [--all]
    Delete entries not used for N days (default 7), or every entry with ``--all``.
purge
    Delete the whole cache directory.

The cache is ``config.compiledir`` (set it with ``THEANO_FLAGS=compiledir=...`` or the
``THEANO_COMPILEDIR`` environment variable).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from theano.configdefaults import config
from theano.link.c import cache


def _format_size(size: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"


def _format_age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f}s"
    if seconds < 7200:
        return f"{seconds / 60:.0f}m"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.0f}h"
    return f"{seconds / 86400:.0f}d"


def _root() -> str:
    return os.path.abspath(os.path.expanduser(config.compiledir))


def _list(out) -> int:
    now = time.time()
    found = sorted(cache.entries(_root()), key=lambda entry: entry.last_use, reverse=True)
    print(f"{'key':<16}  {'module':<24}  {'size':>10}  {'age':>6}  {'last use':>8}", file=out)
    for entry in found:
        print(f"{entry.key[:16]:<16}  {entry.module_name[:24]:<24}  {_format_size(entry.size):>10}  "
              f"{_format_age(now - entry.created):>6}  {_format_age(now - entry.last_use):>8}", file=out)
    return 0


def _info(out) -> int:
    root = _root()
    found = cache.entries(root)
    print(f"location: {root}{'' if os.path.isdir(root) else ' (does not exist)'}", file=out)
    print(f"entries: {len(found)}", file=out)
    print(f"total size: {_format_size(sum(entry.size for entry in found))}", file=out)
    print(f"size limit: {config.compiledir_max_mb} MiB (config.compiledir_max_mb)", file=out)
    return 0


def _clear(args, out) -> int:
    deleted = cache.clear(days=args.days, everything=args.all, root=_root())
    which = "all entries" if args.all else f"entries not used for {args.days:g} days"
    print(f"deleted {len(deleted)} entr{'y' if len(deleted) == 1 else 'ies'} ({which})", file=out)
    return 0


def _purge(out) -> int:
    root = _root()
    cache.purge(root)
    print(f"deleted {root}", file=out)
    return 0


def main(argv: list[str] | None = None, out=None) -> int:
    """Run the command line; returns the exit status.

    Parameters
    ----------
    argv
        The arguments (default: ``sys.argv[1:]``).
    out
        Where to print (default: standard output).
    """
    out = out or sys.stdout
    parser = argparse.ArgumentParser(prog="python -m theano.cache", description="Theano's compile cache.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="one line per cached module")
    commands.add_parser("info", help="location, size, count and limit")
    clear_parser = commands.add_parser("clear", help="delete entries not used recently")
    clear_parser.add_argument("--days", type=float, default=7.0, help="age of last use, in days (default 7)")
    clear_parser.add_argument("--all", action="store_true", help="delete every entry")
    commands.add_parser("purge", help="delete the whole cache directory")
    args = parser.parse_args(argv)
    if args.command == "list":
        return _list(out)
    if args.command == "info":
        return _info(out)
    if args.command == "clear":
        return _clear(args, out)
    return _purge(out)


if __name__ == "__main__":
    sys.exit(main())
