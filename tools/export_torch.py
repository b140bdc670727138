#!/usr/bin/env python3
"""PyTorch <-> odeflow MLP checkpoints (safetensors), written and read by hand.

The safetensors format is small enough to write without the `safetensors` package:
8 bytes little-endian header length N, N bytes of JSON (padded with spaces to a multiple
of 8), then the raw little-endian tensor data, tensors tiling it in header order. The
header maps each tensor name to {"dtype", "shape", "data_offsets": [begin, end]} and may
hold "__metadata__" (strings to strings).

An odeflow MLP checkpoint is the state_dict of a module whose `main` is an nn.Sequential
of Linear layers with one activation module between them (main.0.weight, main.0.bias,
main.2.weight, ...), with the architecture in __metadata__ (format=odeflow-mlp, dims,
activation, time). See docs/flows.md and docs/sampling.md.

Library use:
    from export_torch import export_mlp, load_mlp
    export_mlp(model, "model.safetensors")          # model: nn.Sequential or a module with .main
    model = load_mlp("model.safetensors")           # a module with .main, float32 or float64

Command line:
    tools/export_torch.py export MODULE.pt OUT.safetensors   # a torch.save'd module
    tools/export_torch.py check FILE.safetensors [--against OTHER.safetensors]
        loads FILE into PyTorch, prints its architecture and, with --against, the largest
        difference of the two models' outputs on random inputs.
"""
import argparse
import json
import struct
import sys

import numpy as np

try:
    import torch
    from torch import nn
except ImportError:  # reading and writing raw files works without torch
    torch = None
    nn = None

_NP_DTYPES = {
    "F64": np.dtype("<f8"), "F32": np.dtype("<f4"), "F16": np.dtype("<f2"),
    "I64": np.dtype("<i8"), "I32": np.dtype("<i4"), "I16": np.dtype("<i2"), "I8": np.dtype("i1"),
    "U64": np.dtype("<u8"), "U32": np.dtype("<u4"), "U16": np.dtype("<u2"), "U8": np.dtype("u1"),
    "BOOL": np.dtype("?"),
}

_ACTIVATIONS = {"SiLU": "silu", "ELU": "elu", "GELU": "gelu", "Tanh": "tanh", "ReLU": "relu",
                "Softplus": "softplus"}


def write_safetensors(path, tensors, metadata=None):
    """Writes {name: numpy array (f64/f32/f16/int/bool) or ("BF16", uint16 array)} in order."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name, arr in tensors.items():
        if isinstance(arr, tuple):
            dtype, arr = arr
            arr = np.ascontiguousarray(arr, dtype="<u2")
        else:
            arr = np.ascontiguousarray(arr)
            dtype = next((k for k, v in _NP_DTYPES.items() if v == arr.dtype.newbyteorder("<")), None)
            if dtype is None:
                raise ValueError(f"tensor {name!r}: unsupported numpy dtype {arr.dtype}")
            arr = arr.astype(_NP_DTYPES[dtype], copy=False)
        data = arr.tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    """Returns (metadata dict, {name: numpy array}); BF16 is widened to float32."""
    with open(path, "rb") as f:
        image = f.read()
    if len(image) < 8:
        raise ValueError(f"{path}: shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", image[:8])
    if 8 + n > len(image):
        raise ValueError(f"{path}: header length {n} exceeds the file")
    header = json.loads(image[8:8 + n].decode("utf-8"))
    data = image[8 + n:]
    meta = header.pop("__metadata__", {}) or {}
    out = {}
    for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        b, e = info["data_offsets"]
        raw = data[b:e]
        if info["dtype"] == "BF16":
            u = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            arr = u.view(np.float32)
        else:
            arr = np.frombuffer(raw, dtype=_NP_DTYPES[info["dtype"]])
        out[name] = arr.reshape(info["shape"]).copy()
    return meta, out


def _sequential(model):
    return model.main if hasattr(model, "main") else model


def mlp_metadata(model):
    """The odeflow __metadata__ of an nn.Sequential MLP (time concatenated as the last input)."""
    seq = _sequential(model)
    layers = list(seq)
    linears = [m for m in layers if isinstance(m, nn.Linear)]
    acts = [m for m in layers if not isinstance(m, nn.Linear)]
    for i, m in enumerate(layers):
        if isinstance(m, nn.Linear) != (i % 2 == 0):
            raise ValueError("expected Linear, activation, Linear, ..., Linear")
    kinds = {type(a).__name__ for a in acts}
    if len(kinds) != 1 or next(iter(kinds)) not in _ACTIVATIONS:
        raise ValueError(f"one activation of {sorted(_ACTIVATIONS)} expected, found {sorted(kinds)}")
    dims = [linears[0].in_features] + [lin.out_features for lin in linears]
    return {"format": "odeflow-mlp", "dims": ",".join(map(str, dims)),
            "activation": _ACTIVATIONS[next(iter(kinds))], "time": "concat", "time_embed_dim": "1"}


def export_mlp(model, path, dtype=None):
    """Writes `model` (nn.Sequential, or a module with .main) as an odeflow MLP checkpoint.
    dtype: None keeps the parameters' dtype (F32 for float32, F64 for float64)."""
    meta = mlp_metadata(model)
    seq = _sequential(model)
    tensors = {}
    for name, p in seq.state_dict().items():
        a = p.detach().cpu().numpy()
        if dtype is not None:
            a = a.astype(dtype)
        tensors["main." + name] = a
    write_safetensors(path, tensors, meta)
    return meta


class _Wrapper(nn.Module if nn else object):
    def __init__(self, seq):
        super().__init__()
        self.main = seq

    def forward(self, x):
        return self.main(x)


def load_mlp(path, dtype=None):
    """Builds the module an odeflow checkpoint describes (a module with .main) and loads it."""
    meta, tensors = read_safetensors(path)
    if meta.get("format", "odeflow-mlp") != "odeflow-mlp":
        raise ValueError(f"{path}: format {meta.get('format')!r} is not odeflow-mlp")
    if meta.get("time", "concat") != "concat":
        raise ValueError(f"{path}: time embedding {meta['time']!r}: only concat is built here")
    dims = [int(v) for v in meta["dims"].split(",")]
    act = {v: k for k, v in _ACTIVATIONS.items()}[meta["activation"].replace("swish", "silu")]
    layers = []
    for i in range(len(dims) - 1):
        layers.append(nn.Linear(dims[i], dims[i + 1]))
        if i + 2 < len(dims):
            layers.append(getattr(nn, act)())
    model = _Wrapper(nn.Sequential(*layers))
    first = next(iter(tensors.values()))
    if dtype is None:
        dtype = torch.float64 if first.dtype == np.float64 else torch.float32
    model = model.to(dtype)
    state = {k: torch.from_numpy(np.asarray(v, dtype=np.float64)).to(dtype) for k, v in tensors.items()}
    model.load_state_dict(state, strict=True)
    return model


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("export", help="write a torch.save'd module as an odeflow checkpoint")
    e.add_argument("module")
    e.add_argument("out")
    c = sub.add_parser("check", help="load an odeflow checkpoint into PyTorch")
    c.add_argument("file")
    c.add_argument("--against")
    a = ap.parse_args(argv)
    if a.cmd == "export":
        model = torch.load(a.module, weights_only=False)
        print(json.dumps(export_mlp(model, a.out)))
        return 0
    model = load_mlp(a.file, torch.float64)
    print(model)
    if a.against:
        other = load_mlp(a.against, torch.float64)
        d_in = model.main[0].in_features
        x = torch.randn(1000, d_in, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
        with torch.no_grad():
            diff = (model(x) - other(x)).abs().max().item()
        print(json.dumps({"check": a.file, "against": a.against, "max_abs_diff": diff}))
        return 0 if diff == 0.0 else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
