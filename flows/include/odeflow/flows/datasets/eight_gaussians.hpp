// Eight Gaussians toy dataset in 2-D (FFJORD's "8gaussians").
#pragma once

#include <odeflow/flows/datasets/dataset.hpp>

#include <Kokkos_MathematicalConstants.hpp>

namespace odeflow {

/// Equal mixture of 8 Gaussians with standard deviation `std` centred on a circle of
/// radius `radius` at angles k pi / 4, the result divided by `divisor` (FFJORD: radius 4,
/// std 0.5, divisor 1.414).
struct EightGaussians {
  /// Distance of the eight centres from the origin, before division by divisor.
  double radius = 4.0;
  /// Standard deviation of each component, before division by divisor.
  double std = 0.5;
  /// Every coordinate is divided by this (FFJORD's 1.414).
  double divisor = 1.414;
  /// Dimension of a sample: 2.
  KOKKOS_FUNCTION int dim() const { return 2; }
  /// Writes sample `index` (out[0], out[1]) as a pure function of (rng, index).
  template <class T>
  KOKKOS_FUNCTION void sample(const CounterRng& rng, std::uint64_t index, T* out) const {
    const T u = rng.uniform<T>(index, 0);
    int k = static_cast<int>(u * T(8));
    k = k > 7 ? 7 : k;
    const T a = T(k) * Kokkos::numbers::pi_v<T> / T(4);
    const auto z = rng.normal2<T>(index, 1);
    out[0] = (T(radius) * Kokkos::cos(a) + T(std) * z[0]) / T(divisor);
    out[1] = (T(radius) * Kokkos::sin(a) + T(std) * z[1]) / T(divisor);
  }
};

}  // namespace odeflow
