"""Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/): small valid
files of each format. Run inside the development root:
    tools/dev run python3 tests/fuzz/make_corpus.py"""
import json
import os
import shutil
import struct

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))


def out(target, name, data):
    d = os.path.join(here, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def safetensors(tensors, metadata=None):
    """tensors: list of (name, dtype, shape, bytes); the data tiles in order."""
    header, off, blob = {}, 0, b""
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape, data in tensors:
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [off, off + len(data)]}
        off += len(data)
        blob += data
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + blob


rng = np.random.default_rng(8)
mlp_meta = {"format": "odeflow-mlp", "dims": "3,4,2", "activation": "silu", "time": "concat", "time_embed_dim": "1"}
w0, b0 = rng.standard_normal((4, 3)).astype("<f4"), rng.standard_normal(4).astype("<f4")
w1, b1 = rng.standard_normal((2, 4)).astype("<f4"), rng.standard_normal(2).astype("<f4")
out("safetensors", "mlp_f32.safetensors", safetensors(
    [("main.0.weight", "F32", w0.shape, w0.tobytes()), ("main.0.bias", "F32", b0.shape, b0.tobytes()),
     ("main.2.weight", "F32", w1.shape, w1.tobytes()), ("main.2.bias", "F32", b1.shape, b1.tobytes())], mlp_meta))
out("safetensors", "dtypes.safetensors", safetensors(
    [("a", "F64", (2,), np.array([1.5, -2.0], "<f8").tobytes()),
     ("b", "F16", (3,), np.array([0.5, 65504, -0.0], "<f2").tobytes()),
     ("c", "BF16", (1,), b"\x80\x3f"),
     ("d", "I32", (2, 1), np.array([[7], [-7]], "<i4").tobytes()),
     ("e", "U8", (0,), b""),
     ("s", "F32", (), np.array(3.25, "<f4").tobytes())]))
out("safetensors", "empty.safetensors", safetensors([]))

for name in ["f64_2d.npy", "f32_1d.npy", "f32_2d_v2.npy", "f64_1d_v3.npy", "f64_empty_0x3.npy", "bad_fortran.npy"]:
    shutil.copy(os.path.join(here, "..", "reliability", "data", name), os.path.join(here, "corpus", "npy", name))

out("json", "mlp_concat.json", json.dumps({"__metadata__": mlp_meta}).encode())
out("json", "mlp_sinusoidal.json", json.dumps({"__metadata__": {
    "format": "odeflow-mlp", "dims": "18,64,64,2", "activation": "gelu", "time": "sinusoidal",
    "time_embed_dim": "16", "time_embed_scale": "1000", "time_embed_max_period": "10000"}}).encode())
out("json", "tensor_entry.json", json.dumps({"__metadata__": {"dims": "2,1", "activation": "tanh"},
                                            "x": {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]}}).encode())
