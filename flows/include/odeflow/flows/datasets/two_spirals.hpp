// Two spirals toy dataset in 2-D (FFJORD's "2spirals").
#pragma once

#include <odeflow/flows/datasets/dataset.hpp>

#include <Kokkos_MathematicalConstants.hpp>

namespace odeflow {

/// r = sqrt(u) * 3 pi (u ~ U[0, 1)); the point (-r cos r, r sin r) plus a U[0, 1/2)^2
/// jitter, mirrored through the origin with probability 1/2, divided by 3, plus
/// N(0, noise^2) per coordinate (noise 0.1).
struct TwoSpirals {
  /// Standard deviation of the Gaussian noise added to each coordinate.
  double noise = 0.1;
  /// Dimension of a sample: 2.
  KOKKOS_FUNCTION int dim() const { return 2; }
  /// Writes sample `index` (out[0], out[1]) as a pure function of (rng, index).
  template <class T>
  KOKKOS_FUNCTION void sample(const CounterRng& rng, std::uint64_t index, T* out) const {
    const auto u = rng.uniform2<T>(index, 0);
    const auto j = rng.uniform2<T>(index, 1);
    const auto z = rng.normal2<T>(index, 2);
    const T r = Kokkos::sqrt(u[0]) * T(3) * Kokkos::numbers::pi_v<T>;
    T x = -Kokkos::cos(r) * r + T(0.5) * j[0];
    T y = Kokkos::sin(r) * r + T(0.5) * j[1];
    if (u[1] < T(0.5)) {
      x = -x;
      y = -y;
    }
    out[0] = x / T(3) + T(noise) * z[0];
    out[1] = y / T(3) + T(noise) * z[1];
  }
};

}  // namespace odeflow
