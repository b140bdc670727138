#!/usr/bin/env python3
"""Table and plot of benchmarks/ensemble_lorenz results (JSON lines).

Usage: plot_ensemble.py RESULTS.jsonl OUTDIR
Prints a Markdown table (one row per case, method, precision and N, odeflow beside
Boost.Odeint and the measured FMA peak) and writes OUTDIR/ensemble_throughput.png:
throughput against N per mode and precision, odeint beside odeflow.
"""
import json
import os
import sys
from collections import defaultdict


def load(path):
    rows = []
    with open(path) as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise SystemExit(f"{path}:{number}: not JSON: {e}")
    return rows


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    rows = load(argv[1])
    peaks = {(r["precision"], r["threads"]): r["gflops"] for r in rows if r["case"] == "fma_peak"}
    print("| case | method | precision | threads | N | impl | throughput (wall) | per CPU-second | NFE/traj "
          "| max rel err | vs odeint (wall) | vs odeint (CPU) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        if r["case"] in ("fma_peak",) or r["case"].startswith("chaotic") or "max_rel_err" not in r:
            continue
        thr = r.get("traj_steps_per_s")
        cpu = r.get("traj_steps_per_cpu_s")
        unit = "traj-steps/s"
        if thr is None:
            thr, cpu, unit = r.get("traj_per_s"), r.get("traj_per_cpu_s"), "traj/s"
        cpu_s = f"{cpu:.3g}" if cpu is not None else ""
        print(f"| {r['case']} | {r.get('method','')} | {r['precision']} | {r['threads']} | {r['n']} | {r['impl']} "
              f"| {thr:.3g} {unit} | {cpu_s} | {r.get('nfe_per_traj','')} | {r.get('max_rel_err','')} "
              f"| {r.get('ratio_vs_odeint','')} | {r.get('ratio_vs_odeint_cpu','')} |")
    for (prec, threads), g in sorted(peaks.items()):
        print(f"\nMeasured FMA peak, {prec}, {threads} thread(s): {g:.1f} GFLOP/s")
    for r in rows:
        if r["case"].startswith("chaotic"):
            print(f"\nChaotic variant ({r['case']}, N = {r['n']}), {r['mode']}: total NFE {r['total_nfe']}, "
                  f"NFE/sample {r['nfe_per_sample']:.1f}"
                  + (f", shared/per-sample = {r['nfe_ratio_shared_vs_per_sample']:.3f}" if "nfe_ratio_shared_vs_per_sample" in r else ""))

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # Throughput per CPU-second where the benchmark measured it (on a shared machine wall
    # time also counts the other processes), at the run's largest thread count.
    series = defaultdict(list)
    top = max((r["threads"] for r in rows if "max_rel_err" in r), default=1)
    per_cpu = any("traj_steps_per_cpu_s" in r for r in rows)
    for r in rows:
        if r["case"] == "fma_peak" or r["case"].startswith("chaotic") or r["threads"] != top or "max_rel_err" not in r:
            continue
        if per_cpu:
            thr = r.get("traj_steps_per_cpu_s", r.get("traj_per_cpu_s"))
        else:
            thr = r.get("traj_steps_per_s", r.get("traj_per_s"))
        series[(r["case"], r.get("method", ""), r["precision"], r["impl"])].append((r["n"], thr))
    cases = sorted({k[0] for k in series})
    fig, axes = plt.subplots(1, len(cases), figsize=(6 * len(cases), 5), squeeze=False)
    for ax, case in zip(axes[0], cases):
        for (c, method, prec, impl), pts in sorted(series.items()):
            if c != case:
                continue
            pts.sort()
            style = "--s" if impl == "odeint" else "-o"
            ax.loglog([p[0] for p in pts], [p[1] for p in pts], style, ms=4, label=f"{impl} {method} {prec}")
        ax.set_title(case)
        ax.set_xlabel("trajectories N")
        unit = "trajectory-steps" if case.startswith("fixed") else "trajectories"
        ax.set_ylabel(f"{unit} per CPU-second" if per_cpu else f"{unit}/s")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"Lorenz-63 ensembles, odeflow PerTrajectory vs Boost.Odeint ({top} thread{'s' if top > 1 else ''} each, same run)")
    fig.tight_layout()
    os.makedirs(argv[2], exist_ok=True)
    out = os.path.join(argv[2], "ensemble_throughput.png")
    fig.savefig(out, dpi=110)
    print(f"\n![ensemble throughput]({out})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
