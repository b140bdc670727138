// Checkerboard toy dataset in 2-D (as in the flow_matching examples).
#pragma once

#include <odeflow/flows/datasets/dataset.hpp>

namespace odeflow {

/// x1 ~ U[-2, 2), x2 = U[0, 1) - 2 Bernoulli(1/2) + (floor(x1) mod 2), both divided by
/// 0.45: eight unit squares of a 4 x 4 board (those with floor(x1) + floor(x2) even),
/// each of mass 1/8, scaled by 1/0.45. Each coordinate's marginal is U[-2, 2) / 0.45.
/// Draws: block 0 gives x1's uniform and the Bernoulli, block 1 the offset in the square.
struct Checkerboard {
  /// Dimension of a sample: 2.
  KOKKOS_FUNCTION int dim() const { return 2; }
  /// Writes sample `index` (out[0], out[1]) as a pure function of (rng, index).
  template <class T>
  KOKKOS_FUNCTION void sample(const CounterRng& rng, std::uint64_t index, T* out) const {
    const auto u = rng.uniform2<T>(index, 0);
    const auto w = rng.uniform2<T>(index, 1);
    const T x1 = T(4) * u[0] - T(2);
    const T f = Kokkos::floor(x1);
    const T parity = f - T(2) * Kokkos::floor(f / T(2));  // Python's floor(x1) % 2, in {0, 1}
    const T x2 = w[0] - (u[1] < T(0.5) ? T(2) : T(0)) + parity;
    out[0] = x1 / T(0.45);
    out[1] = x2 / T(0.45);
  }
};

}  // namespace odeflow
