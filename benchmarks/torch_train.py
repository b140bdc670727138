#!/usr/bin/env python3
"""PyTorch peer of odeflow's flow-matching training step, for benchmarks/mlp_throughput.cpp.

Same architecture (nn.Sequential of Linear/SiLU, time concatenated as the last input), same
batch, same loss (mean squared error against dx_t = x1 - x0 on the conditional-OT path), Adam,
same thread count. Prints one JSON line; exits 0 with {"skipped": true} when torch is missing.
"""
import argparse
import json
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--width", type=int, default=256)
    ap.add_argument("--depth", type=int, default=4)
    ap.add_argument("--batch", type=int, default=4096)
    ap.add_argument("--iterations", type=int, default=40)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    base = {"bench": "mlp_throughput", "case": f"train_w{a.width}_d{a.depth}", "impl": "torch",
            "precision": "float", "threads": a.threads, "n": a.batch}
    try:
        import torch
    except ImportError as e:
        print(json.dumps({**base, "seconds": 0, "skipped": True, "reason": str(e)}))
        return 0
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    d = 2
    layers, width_in = [], d + 1
    for _ in range(a.depth):
        layers += [torch.nn.Linear(width_in, a.width), torch.nn.SiLU()]
        width_in = a.width
    layers.append(torch.nn.Linear(width_in, d))
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def checkerboard(n):
        x1 = torch.rand(n) * 4 - 2
        x2 = torch.rand(n) - torch.randint(high=2, size=(n,)) * 2 + torch.floor(x1) % 2
        return torch.stack([x1, x2], dim=1) / 0.45

    def step():
        x1 = checkerboard(a.batch)
        x0 = torch.randn_like(x1)
        t = torch.rand(a.batch, 1)
        xt = t * x1 + (1 - t) * x0
        loss = torch.nn.functional.mse_loss(model(torch.cat([xt, t], dim=1)), x1 - x0)
        opt.zero_grad()
        loss.backward()
        opt.step()

    for _ in range(3):
        step()
    t0 = time.perf_counter()
    for _ in range(a.iterations):
        step()
    s = time.perf_counter() - t0
    print(json.dumps({**base, "seconds": s / a.iterations, "iterations": a.iterations,
                      "it_per_s": a.iterations / s}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
