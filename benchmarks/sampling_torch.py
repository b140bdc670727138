#!/usr/bin/env python3
"""PyTorch peer of benchmarks/sampling.cpp: sampling and exact likelihood of the same model, same inputs, same threads.

With torchdiffeq importable (it is on PyPI, not in Debian: `pip download torchdiffeq --no-deps`
and put it on PYTHONPATH), the peer is torchdiffeq.odeint with method 'midpoint'
(options step_size) and 'dopri5' (rtol, atol). Without it, this script falls back to a minimal
torchdiffeq-like integrator written here (same semantics; the JSON says which ran):
  - midpoint: per step k1 = f(t, y), k2 = f(t + h/2, y + h/2 k1), y += h k2 (2 evaluations);
  - dopri5: Dormand-Prince 5(4), FSAL, one step for the whole batch (RMS norm over all
    elements of the state, error / (atol + rtol max(|y0|, |y1|))), Hairer's initial step,
    step factor min(10, max(0.9 err^(-1/5), 0.2)), no decrease after an accepted step
    (torchdiffeq's _optimal_step_size with order 5).
Exact divergence by autograd: one backward pass per dimension (FFJORD's brute-force trace).

Protocol: reads DIR/x0.f32 (n, 2) and DIR/grid.f32 (m, 2) (raw little-endian float32), writes
DIR/torch_<case>_x1.f32 and DIR/torch_<case>_logp.f32, prints one JSON object per case.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
from export_torch import load_mlp  # noqa: E402

# Dormand-Prince 5(4) (Dormand, Prince 1980).
C = [0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0]
A = [[], [1 / 5], [3 / 40, 9 / 40], [44 / 45, -56 / 15, 32 / 9],
     [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
     [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
     [35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84]]
B = [35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0.0]
BH = [5179 / 57600, 0.0, 7571 / 16695, 393 / 640, -92097 / 339200, 187 / 2100, 1 / 40]


class Counter:
    def __init__(self, f):
        self.f, self.n = f, 0

    def __call__(self, t, y):
        self.n += 1
        return self.f(t, y)


def rms(x):
    return x.pow(2).mean().sqrt()


def midpoint(f, y, t0, t1, dt):
    steps = int(round(abs(t1 - t0) / dt))
    h = (t1 - t0) / steps
    for i in range(steps):
        t = t0 + i * h
        k1 = f(t, y)
        y = y + h * f(t + h / 2, y + h / 2 * k1)
    return y


def dopri5(f, y, t0, t1, rtol, atol):
    d = 1.0 if t1 > t0 else -1.0
    k = f(t0, y)
    # Hairer's initial step (torchdiffeq _select_initial_step).
    scale = atol + rtol * y.abs()
    d0, d1 = rms(y / scale), rms(k / scale)
    h0 = 1e-6 if (d0 < 1e-5 or d1 < 1e-5) else float(0.01 * d0 / d1)
    y1 = y + d * h0 * k
    d2 = rms((f(t0 + d * h0, y1) - k) / scale) / h0
    h1 = max(1e-6, h0 * 1e-3) if max(d1, d2) <= 1e-15 else float((0.01 / max(d1, d2)) ** (1 / 5))
    h = min(100 * h0, h1, abs(t1 - t0))
    t = t0
    while d * (t1 - t) > 0:
        h = min(h, abs(t1 - t))
        ks = [k]
        for i in range(1, 7):
            yi = y + d * h * sum(a * kj for a, kj in zip(A[i], ks) if a != 0.0)
            ks.append(f(t + d * C[i] * h, yi))
        y_new = y + d * h * sum(b * kj for b, kj in zip(B, ks) if b != 0.0)
        err = d * h * sum((b - bh) * kj for b, bh, kj in zip(B, BH, ks))
        ratio = float(rms(err / (atol + rtol * torch.maximum(y.abs(), y_new.abs()))))
        if ratio <= 1:
            t, y, k = t + d * h, y_new, ks[6]
            fac = 10.0 if ratio == 0 else min(10.0, max(0.9 * ratio ** -0.2, 1.0))
        else:
            fac = min(10.0, max(0.9 * ratio ** -0.2, 0.2))
        h = h * fac
    return y


def make_fields(model):
    def velocity(t, x):
        tt = torch.full((x.shape[0], 1), float(t), dtype=x.dtype)
        return model.main(torch.cat([x, tt], 1))

    def augmented(t, z):
        with torch.enable_grad():
            x = z[:, :-1].detach().requires_grad_(True)
            u = velocity(t, x)
            div = torch.zeros(x.shape[0], dtype=x.dtype)
            for i in range(x.shape[1]):
                div = div + torch.autograd.grad(u[:, i].sum(), x, retain_graph=i + 1 < x.shape[1])[0][:, i]
        return torch.cat([u.detach(), div.detach()[:, None]], 1)

    return velocity, augmented


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--dt", type=float, default=0.05)
    ap.add_argument("--tol", type=float, default=1e-5)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model = load_mlp(a.model, torch.float32)
    velocity, augmented = make_fields(model)
    x0 = torch.from_numpy(np.fromfile(os.path.join(a.dir, "x0.f32"), dtype="<f4").reshape(-1, 2).copy())
    grid = torch.from_numpy(np.fromfile(os.path.join(a.dir, "grid.f32"), dtype="<f4").reshape(-1, 2).copy())
    log2pi = math.log(2 * math.pi)
    try:
        from torchdiffeq import odeint
        peer = "torchdiffeq"
    except ImportError:
        odeint = None
        peer = "builtin"

    def solver(method):
        if odeint is not None:
            def run(f, y, t0, t1):
                ts = torch.tensor([t0, t1], dtype=y.dtype)
                if method == "midpoint":
                    return odeint(f, y, ts, method="midpoint", options={"step_size": a.dt})[-1]
                return odeint(f, y, ts, method="dopri5", rtol=a.tol, atol=a.tol)[-1]
            return run
        if method == "midpoint":
            return lambda f, y, t0, t1: midpoint(f, y, t0, t1, a.dt)
        return lambda f, y, t0, t1: dopri5(f, y, t0, t1, a.tol, a.tol)

    for method in ("midpoint", "dopri5"):
        run = solver(method)
        f = Counter(velocity)
        t = time.perf_counter()
        with torch.no_grad():
            x1 = run(f, x0, 0.0, 1.0)
        s = time.perf_counter() - t
        x1.numpy().astype("<f4").tofile(os.path.join(a.dir, f"torch_sample_{method}.f32"))
        print(json.dumps({"case": f"sample_{method}", "seconds": s, "nfe_per_sample": f.n, "n": x0.shape[0],
                          "peer": peer}), flush=True)
        g = Counter(augmented)
        z = torch.cat([grid, torch.zeros(grid.shape[0], 1)], 1)
        t = time.perf_counter()
        with torch.no_grad():
            z0 = run(g, z, 1.0, 0.0)
        s = time.perf_counter() - t
        logp = -0.5 * (z0[:, :2] ** 2).sum(1) - log2pi + z0[:, 2]
        logp.numpy().astype("<f4").tofile(os.path.join(a.dir, f"torch_loglik_{method}.f32"))
        print(json.dumps({"case": f"loglik_{method}", "seconds": s, "nfe_per_sample": g.n, "n": grid.shape[0],
                          "peer": peer}), flush=True)


if __name__ == "__main__":
    main()
