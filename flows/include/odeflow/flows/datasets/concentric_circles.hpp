// Concentric circles toy dataset in 2-D (scikit-learn's make_circles, scaled as FFJORD does).
#pragma once

#include <odeflow/flows/datasets/dataset.hpp>

#include <Kokkos_MathematicalConstants.hpp>

namespace odeflow {

/// A fair coin picks radius 1 or `factor`; the angle is U[0, 2 pi); N(0, noise^2) is
/// added per coordinate and the point scaled by `scale` (FFJORD's "circles": factor 0.5,
/// noise 0.08, scale 3).
struct ConcentricCircles {
  /// Radius of the inner circle relative to the outer one.
  double factor = 0.5;
  /// Standard deviation of the Gaussian noise added to each coordinate.
  double noise = 0.08;
  /// Scale applied to the points (outer radius).
  double scale = 3.0;
  /// Dimension of a sample: 2.
  KOKKOS_FUNCTION int dim() const { return 2; }
  /// Writes sample `index` (out[0], out[1]) as a pure function of (rng, index).
  template <class T>
  KOKKOS_FUNCTION void sample(const CounterRng& rng, std::uint64_t index, T* out) const {
    const auto u = rng.uniform2<T>(index, 0);
    const T r = u[1] < T(0.5) ? T(1) : T(factor);
    const T th = T(2) * Kokkos::numbers::pi_v<T> * u[0];
    const auto z = rng.normal2<T>(index, 1);
    out[0] = T(scale) * (r * Kokkos::cos(th) + T(noise) * z[0]);
    out[1] = T(scale) * (r * Kokkos::sin(th) + T(noise) * z[1]);
  }
};

}  // namespace odeflow
