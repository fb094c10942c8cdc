"""Command line: ``python -m benchmarks {mlp,conv,elemwise,overhead,compile,scan,all} [--quick] [--threads N]``."""

from __future__ import annotations

import argparse
import importlib
import sys
import time

from benchmarks import WORKLOADS
from benchmarks.machine import limit_threads


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks",
                                     description="The 2010 Theano paper's benchmarks, side by side with peers.")
    parser.add_argument("workload", choices=[*WORKLOADS, "all"])
    parser.add_argument("--quick", action="store_true",
                        help="fewer sizes, examples and repeats (same workloads); 'all' takes a few minutes")
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS/OpenMP/XLA/torch threads for every implementation (default 1, like the paper)")
    parser.add_argument("--no-plot", action="store_true", help="do not write the PNG plots")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    limit_threads(args.threads)  # before NumPy, JAX or torch is imported

    from benchmarks import harness, machine

    machine.apply_thread_limits()
    settings = harness.Settings(quick=args.quick, threads=args.threads)
    names = list(WORKLOADS) if args.workload == "all" else [args.workload]
    info = machine.describe_machine()
    bandwidth = machine.memory_bandwidth()
    print(machine.format_machine(info))
    print(f"memory bandwidth (numpy add of 160 MB float64 arrays): {bandwidth:.1f} GB/s")
    print(f"settings: {'quick' if args.quick else 'full'}, {args.threads} thread(s)\n", flush=True)
    for name in names:
        module = importlib.import_module(WORKLOADS[name])
        start = time.perf_counter()
        result = module.run(settings)
        result.limits.setdefault("memory bandwidth GB/s", bandwidth)
        info = machine.describe_machine()  # thread pools loaded by the peers now show too
        print(f"##### {name} ({time.perf_counter() - start:.0f} s)")
        for key, value in result.limits.items():
            print(f"machine limit: {key} = {value:.3g}")
        for note in result.notes:
            print(f"note: {note}")
        for case in result.cases:
            print(harness.format_case(case))
        print(harness.legend(result.cases))
        path = harness.write_json(name, result.cases, info, result.limits, settings, result.notes)
        print(f"wrote {path}")
        if not args.no_plot:
            try:
                plot_path = path.with_suffix(".png")
                module.plot(result, plot_path)
                print(f"wrote {plot_path}")
            except ImportError as exc:
                print(f"no plot: {exc.name or exc} is not installed (pip install -e '.[bench]')")
        print(flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
