#!/usr/bin/env python3
"""Conformance fixtures for odeflow's sampling and likelihood, computed independently with PyTorch and SciPy.

Builds the reference 2D model (MLP 3 -> 512 -> 512 -> 512 -> 512 -> 2, SiLU, time
concatenated as the last input), trains it briefly on the checkerboard with conditional-OT
flow matching (seeded), exports it with tools/export_torch.py (F32), and computes on fixed
inputs, with the float32 weights evaluated in float64:

  - samples x1 = phi_{0 -> 1}(x0) by scipy.integrate.solve_ivp(method="DOP853", rtol=atol=1e-10);
  - exact log-likelihoods log p1(x1) = log N(x0; 0, I) - int_0^1 div u dt, integrating (x, l)
    from t = 1 back to 0 with the same solver and tolerances, div u by autograd;
  - the same two with the explicit midpoint rule at dt = 0.05 in float32 (PyTorch), for the
    comparison at equal fixed steps.

Run inside a root with torch and scipy (see docs/sampling.md):
    ODEFLOW_EXTRA_PACKAGES="python3-torch,python3-scipy,libopenblas0-pthread" \\
        tools/dev run python3 tools/make_fixtures.py --out tests/fixtures
Writes OUT/ref2d_mlp.safetensors and OUT/ref2d_reference.json.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import scipy
import torch
from scipy.integrate import solve_ivp
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_torch import export_mlp, load_mlp  # noqa: E402


def build_model(width=512, depth=4, d=2):
    layers, n_in = [], d + 1
    for _ in range(depth):
        layers += [nn.Linear(n_in, width), nn.SiLU()]
        n_in = width
    layers.append(nn.Linear(n_in, d))
    m = nn.Module()
    m.main = nn.Sequential(*layers)
    return m


def checkerboard(n, gen):
    x1 = torch.rand(n, generator=gen) * 4 - 2
    b = (torch.rand(n, generator=gen) < 0.5).float()
    x2 = torch.rand(n, generator=gen) - 2 * b + torch.remainder(torch.floor(x1), 2)
    return torch.stack([x1, x2], 1) / 0.45


def train(model, iterations, batch, seed):
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss = None
    for _ in range(iterations):
        x1 = checkerboard(batch, gen)
        x0 = torch.randn(batch, 2, generator=gen)
        t = torch.rand(batch, 1, generator=gen)
        xt = t * x1 + (1 - t) * x0
        loss = ((model.main(torch.cat([xt, t], 1)) - (x1 - x0)) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return float(loss)


def velocity(model, t, x):
    tt = torch.full((x.shape[0], 1), float(t), dtype=x.dtype)
    return model.main(torch.cat([x, tt], 1))


def divergence(model, t, x):
    """u and div u = sum_k d u_k / d x_k by autograd (one backward pass per component)."""
    x = x.detach().requires_grad_(True)
    u = velocity(model, t, x)
    div = torch.zeros(x.shape[0], dtype=x.dtype)
    for k in range(x.shape[1]):
        g = torch.autograd.grad(u[:, k].sum(), x, retain_graph=k + 1 < x.shape[1])[0]
        div = div + g[:, k]
    return u.detach(), div.detach()


def ref_sample(model, x0, rtol):
    n, d = x0.shape

    def f(t, y):
        with torch.no_grad():
            return velocity(model, t, torch.from_numpy(y.reshape(n, d))).numpy().ravel()

    s = solve_ivp(f, (0.0, 1.0), x0.ravel(), method="DOP853", rtol=rtol, atol=rtol)
    assert s.success, s.message
    return s.y[:, -1].reshape(n, d), s.nfev


def ref_loglik(model, x1, rtol):
    n, d = x1.shape

    def f(t, y):
        x = torch.from_numpy(y[: n * d].reshape(n, d))
        u, div = divergence(model, t, x)
        return np.concatenate([u.numpy().ravel(), div.numpy()])

    y0 = np.concatenate([x1.ravel(), np.zeros(n)])
    s = solve_ivp(f, (1.0, 0.0), y0, method="DOP853", rtol=rtol, atol=rtol)
    assert s.success, s.message
    x0 = s.y[: n * d, -1].reshape(n, d)
    l0 = s.y[n * d:, -1]
    logp0 = -0.5 * (x0 ** 2).sum(1) - d / 2 * math.log(2 * math.pi)
    return logp0 + l0, x0, s.nfev


def midpoint(model, x, t0, t1, dt, with_div):
    """Explicit midpoint (torchdiffeq's 'midpoint' step) in the model's dtype; optionally (x, l)."""
    steps = int(round(abs(t1 - t0) / dt))
    h = (t1 - t0) / steps
    l = torch.zeros(x.shape[0], dtype=x.dtype)
    for i in range(steps):
        t = t0 + i * h
        if with_div:
            k1, d1 = divergence(model, t, x)
            k2, d2 = divergence(model, t + h / 2, x + h / 2 * k1)
            l = l + h * d2
        else:
            with torch.no_grad():
                k1 = velocity(model, t, x)
                k2 = velocity(model, t + h / 2, x + h / 2 * k1)
        x = x + h * k2
    return x, l


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="tests/fixtures")
    ap.add_argument("--iterations", type=int, default=300, help="training iterations (0: random weights)")
    ap.add_argument("--n", type=int, default=32, help="fixture points per kind")
    ap.add_argument("--rtol", type=float, default=1e-10)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    torch.manual_seed(0)
    model = build_model()
    t0 = time.time()
    loss = train(model, a.iterations, 1024, 1) if a.iterations > 0 else float("nan")
    print(f"trained {a.iterations} iterations in {time.time() - t0:.1f} s, last loss {loss:.4f}", file=sys.stderr)
    path = os.path.join(a.out, "ref2d_mlp.safetensors")
    export_mlp(model, path)
    # Reference computations use exactly the exported float32 weights, evaluated in float64.
    m64 = load_mlp(path, torch.float64)
    m32 = load_mlp(path, torch.float32)
    rng = np.random.default_rng(2026)
    x0 = rng.standard_normal((a.n, 2))
    x1_in = rng.uniform(-3.0, 3.0, (a.n, 2))

    t0 = time.time()
    x1_ref, nfe_s = ref_sample(m64, x0, a.rtol)
    logp_ref, x0_of_x1, nfe_l = ref_loglik(m64, x1_in, a.rtol)
    print(f"references in {time.time() - t0:.1f} s (nfe {nfe_s}, {nfe_l})", file=sys.stderr)
    # Self-check of the reference: halving the tolerance moves nothing beyond 1e-8.
    x1_chk, _ = ref_sample(m64, x0, a.rtol * 10)
    logp_chk, _, _ = ref_loglik(m64, x1_in, a.rtol * 10)
    print(f"reference change for rtol x10: x1 {np.abs(x1_chk - x1_ref).max():.2e}, "
          f"log p {np.abs(logp_chk - logp_ref).max():.2e}", file=sys.stderr)

    x1_mid, _ = midpoint(m32, torch.from_numpy(x0.astype(np.float32)), 0.0, 1.0, 0.05, False)
    x0_mid, l_mid = midpoint(m32, torch.from_numpy(x1_in.astype(np.float32)), 1.0, 0.0, 0.05, True)
    logp_mid = (-0.5 * (x0_mid ** 2).sum(1) - math.log(2 * math.pi)) + l_mid

    ref = {
        "model": "ref2d_mlp.safetensors",
        "description": "MLP 3-512-512-512-512-2 SiLU, time concatenated last; CondOT, N(0, I) source",
        "trained_iterations": a.iterations,
        "final_training_loss": loss,
        "torch": torch.__version__, "scipy": scipy.__version__, "numpy": np.__version__,
        "reference_solver": f"scipy solve_ivp DOP853 rtol=atol={a.rtol}, float64 evaluation of the F32 weights",
        "divergence": "autograd, exact",
        "x0": x0.tolist(),
        "x1_of_x0": x1_ref.tolist(),
        "x1": x1_in.tolist(),
        "log_p_of_x1": logp_ref.tolist(),
        "x0_of_x1": x0_of_x1.tolist(),
        "reference_change_rtol_x10": {"x1": float(np.abs(x1_chk - x1_ref).max()),
                                      "log_p": float(np.abs(logp_chk - logp_ref).max())},
        "midpoint_float32": {
            "dt": 0.05,
            "x1_of_x0": x1_mid.double().numpy().tolist(),
            "log_p_of_x1": logp_mid.double().numpy().tolist(),
        },
    }
    with open(os.path.join(a.out, "ref2d_reference.json"), "w") as f:
        json.dump(ref, f, indent=1)
    print(f"wrote {path} and ref2d_reference.json", file=sys.stderr)


if __name__ == "__main__":
    main()
