#!/usr/bin/env python3
"""Pictures of odeflow results (PNG, matplotlib). Called by the odeflow command and the demo.

    odeflow_plot.py work-precision DIR   DIR/work_precision.json        -> DIR/work_precision.png
    odeflow_plot.py loss DIR             DIR/loss.csv                   -> DIR/loss.png
    odeflow_plot.py samples DIR          DIR/trajectory.npy (sample, t, x, y) -> DIR/samples.png
    odeflow_plot.py density DIR          DIR/density.npy (x, y, log p)  -> DIR/density.png
    odeflow_plot.py all DIR              every picture whose input exists in DIR

Inputs are the files the odeflow command writes; a missing input is an error for the
single-picture commands and skipped by `all`.
"""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def work_precision(d):
    rows = json.load(open(os.path.join(d, "work_precision.json")))
    if not rows:
        raise SystemExit("odeflow_plot: work_precision.json holds no rows")
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    methods = []
    for r in rows:
        if r["method"] not in methods:
            methods.append(r["method"])
    for m in methods:
        rs = [r for r in rows if r["method"] == m and r["error"] is not None and r["error"] > 0]
        if not rs:
            continue
        err = [r["error"] for r in rs]
        axes[0].loglog([r["nfe"] for r in rs], err, "o-", ms=3, label=m)
        axes[1].loglog([r["seconds"] for r in rs], err, "o-", ms=3, label=m)
    problem = rows[0].get("problem", "")
    axes[0].set_xlabel("function evaluations")
    axes[1].set_xlabel("seconds per solve")
    for ax in axes:
        ax.set_ylabel("max-norm error vs reference")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle(f"work-precision, {problem} (reference: DOP853 at 1e-13)")
    fig.tight_layout()
    fig.savefig(os.path.join(d, "work_precision.png"), dpi=120)


def loss(d):
    data = np.genfromtxt(os.path.join(d, "loss.csv"), delimiter=",", names=True)
    it, lo = data["iteration"], data["loss"]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(it, lo, lw=0.5, alpha=0.4, label="per iteration")
    k = max(1, len(lo) // 50)
    if len(lo) >= k:
        smooth = np.convolve(lo, np.ones(k) / k, mode="valid")
        ax.plot(it[k - 1:], smooth, lw=1.5, label=f"mean of {k}")
    ax.set_xlabel("iteration")
    ax.set_ylabel("conditional flow-matching loss")
    ax.set_yscale("log")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(d, "loss.png"), dpi=120)


def samples(d):
    a = np.load(os.path.join(d, "trajectory.npy"))
    if a.ndim != 2 or a.shape[1] < 4:
        raise SystemExit("odeflow_plot: trajectory.npy must be (rows, 2 + d) with columns sample, t, x, y, ...")
    a = a[:, 1:]  # columns t, x, y, ...
    times = np.unique(a[:, 0])
    if len(times) > 6:
        times = times[np.linspace(0, len(times) - 1, 6).round().astype(int)]
    fig, axes = plt.subplots(1, len(times), figsize=(3 * len(times), 3.2))
    axes = np.atleast_1d(axes)
    lim = np.quantile(np.abs(a[a[:, 0] == times[-1]][:, 1:3]), 0.999) * 1.1
    for ax, t in zip(axes, times):
        p = a[a[:, 0] == t]
        ax.hist2d(p[:, 1], p[:, 2], bins=120, range=[[-lim, lim], [-lim, lim]], cmap="viridis")
        ax.set_title(f"t = {t:.2f}")
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle("samples along the flow (t = 0: source, t = 1: model)")
    fig.tight_layout()
    fig.savefig(os.path.join(d, "samples.png"), dpi=110)


def density(d):
    a = np.load(os.path.join(d, "density.npy"))
    if a.ndim != 2 or a.shape[1] != 3:
        raise SystemExit("odeflow_plot: density.npy must be (rows, 3) with columns x, y, log p")
    xs, ys = np.unique(a[:, 0]), np.unique(a[:, 1])
    if len(xs) * len(ys) != len(a):
        raise SystemExit("odeflow_plot: density.npy is not a full grid")
    order = np.lexsort((a[:, 0], a[:, 1]))
    z = np.exp(a[order, 2]).reshape(len(ys), len(xs))
    fig, ax = plt.subplots(figsize=(5, 4.5))
    im = ax.imshow(z, origin="lower", extent=[xs[0], xs[-1], ys[0], ys[-1]], cmap="magma")
    fig.colorbar(im, ax=ax, label="model density p1(x)")
    ax.set_title("density from the exact log-likelihood")
    fig.tight_layout()
    fig.savefig(os.path.join(d, "density.png"), dpi=120)


PICTURES = {
    "work-precision": ("work_precision.json", work_precision),
    "loss": ("loss.csv", loss),
    "samples": ("trajectory.npy", samples),
    "density": ("density.npy", density),
}


def main(argv):
    if len(argv) != 3 or argv[1] not in list(PICTURES) + ["all"]:
        print(__doc__, file=sys.stderr)
        return 2
    what, d = argv[1], argv[2]
    if not os.path.isdir(d):
        print(f"odeflow_plot: {d} is not a folder", file=sys.stderr)
        return 1
    names = list(PICTURES) if what == "all" else [what]
    for name in names:
        needed, fn = PICTURES[name]
        if not os.path.exists(os.path.join(d, needed)):
            if what == "all":
                continue
            print(f"odeflow_plot: {os.path.join(d, needed)} does not exist", file=sys.stderr)
            return 1
        fn(d)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
