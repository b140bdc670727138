#!/usr/bin/env python3
"""Work-precision diagrams from odeflow's JSON lines (benchmarks/work_precision, odeflow bench).

Usage: plot_work_precision.py RESULTS.jsonl OUTDIR
Writes OUTDIR/work_precision.png: error against function evaluations and against time,
one line per method (adaptive methods by tolerance, fixed-step methods by step).
"""
import json
import os
import sys
from collections import defaultdict


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = defaultdict(list)
    with open(argv[1]) as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                r = json.loads(line)
            except json.JSONDecodeError as e:
                print(f"{argv[1]}:{number}: not JSON: {e}", file=sys.stderr)
                return 1
            if "max_abs_err" in r and r.get("status", "success") == "success" and r["max_abs_err"] > 0:
                rows[r["method"]].append(r)
    if not rows:
        print(f"{argv[1]}: no work-precision rows", file=sys.stderr)
        return 1
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.5))
    colors = plt.cm.tab20.colors
    for i, (method, rs) in enumerate(sorted(rows.items())):
        rs.sort(key=lambda r: r["nfe"])
        style = "-o" if "tol" in rs[0] else "--s"
        axes[0].loglog([r["nfe"] for r in rs], [r["max_abs_err"] for r in rs], style, ms=3, color=colors[i % len(colors)], label=method)
        axes[1].loglog([r["seconds"] for r in rs], [r["max_abs_err"] for r in rs], style, ms=3, color=colors[i % len(colors)], label=method)
    axes[0].set_xlabel("function evaluations")
    axes[1].set_xlabel("seconds per solve")
    for ax in axes:
        ax.set_ylabel("max abs error at t1")
        ax.grid(True, which="both", alpha=0.3)
    axes[1].legend(fontsize=7, ncol=2)
    fig.suptitle("odeflow work-precision: " + next(iter(rows.values()))[0].get("case", ""))
    fig.tight_layout()
    os.makedirs(argv[2], exist_ok=True)
    out = os.path.join(argv[2], "work_precision.png")
    fig.savefig(out, dpi=110)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
