// Two moons toy dataset in 2-D (scikit-learn's make_moons, placed as FFJORD does).
#pragma once

#include <odeflow/flows/datasets/dataset.hpp>

#include <Kokkos_MathematicalConstants.hpp>

namespace odeflow {

/// With theta ~ U[0, pi) and a fair coin: the upper moon (cos theta, sin theta) or the
/// lower moon (1 - cos theta, 1/2 - sin theta), plus N(0, noise^2) per coordinate, then
/// scaled by 2 and shifted by (-1, -0.2) (FFJORD's "moons").
struct TwoMoons {
  /// Standard deviation of the Gaussian noise added to each coordinate.
  double noise = 0.1;
  /// Dimension of a sample: 2.
  KOKKOS_FUNCTION int dim() const { return 2; }
  /// Writes sample `index` (out[0], out[1]) as a pure function of (rng, index).
  template <class T>
  KOKKOS_FUNCTION void sample(const CounterRng& rng, std::uint64_t index, T* out) const {
    const auto u = rng.uniform2<T>(index, 0);
    const T th = Kokkos::numbers::pi_v<T> * u[0];
    const auto z = rng.normal2<T>(index, 1);
    T x = Kokkos::cos(th), y = Kokkos::sin(th);
    if (u[1] < T(0.5)) {
      x = T(1) - x;
      y = T(0.5) - y;
    }
    out[0] = T(2) * (x + T(noise) * z[0]) - T(1);
    out[1] = T(2) * (y + T(noise) * z[1]) - T(0.2);
  }
};

}  // namespace odeflow
