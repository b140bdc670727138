"""Writes the .npy fixtures of tests/reliability/test_npy.cpp with numpy (run inside the
development root: tools/dev run python3 tests/reliability/data/make_npy_fixtures.py).
Values follow closed formulas that the C++ test recomputes independently."""
import os
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))


def path(name):
    return os.path.join(here, name)


# a[i, j] = 0.5 * (4 i + j) + 0.25, shape (3, 4), float64, format 1.0 (np.save's default)
a = (np.arange(12, dtype=np.float64).reshape(3, 4) * 0.5 + 0.25)
np.save(path("f64_2d.npy"), a)
# b[i] = (i - 3) / 3, float32, shape (7,)
b = ((np.arange(7, dtype=np.float32) - 3) / np.float32(3)).astype(np.float32)
np.save(path("f32_1d.npy"), b)
# float32 (2, 5): c[i, j] = i - 0.125 j, format 2.0
c = (np.arange(2, dtype=np.float32)[:, None] - np.float32(0.125) * np.arange(5, dtype=np.float32)[None, :])
with open(path("f32_2d_v2.npy"), "wb") as f:
    np.lib.format.write_array(f, c, version=(2, 0))
# float64 (5,): d[i] = 2^-i, format 3.0
d = np.ldexp(1.0, -np.arange(5))
with open(path("f64_1d_v3.npy"), "wb") as f:
    np.lib.format.write_array(f, d, version=(3, 0))
# empty (0, 3) float64
np.save(path("f64_empty_0x3.npy"), np.zeros((0, 3)))
# special values, float64 (4,): nan, inf, -inf, -0.0
np.save(path("f64_special.npy"), np.array([np.nan, np.inf, -np.inf, -0.0]))
# rejected: Fortran order, int32, big-endian float64, rank 3, rank 0
np.save(path("bad_fortran.npy"), np.asfortranarray(a))
np.save(path("bad_int32.npy"), np.arange(4, dtype=np.int32))
np.save(path("bad_bigendian.npy"), np.arange(4, dtype=">f8"))
np.save(path("bad_rank3.npy"), np.zeros((2, 2, 2)))
np.save(path("bad_scalar.npy"), np.float64(1.5))
print("numpy", np.__version__)
