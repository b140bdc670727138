// Gaussian mixture dataset in d dimensions: K weighted components with diagonal covariances.
#pragma once

#include <odeflow/flows/datasets/dataset.hpp>
#include <odeflow/solvers/validation.hpp>

#include <Kokkos_Core.hpp>

#include <cmath>
#include <string>
#include <vector>

namespace odeflow {

/// x1 ~ sum_k w_k N(mu_k, diag(s_k^2)). Component by inverse CDF on block 0, the
/// d normals from blocks 1 .. (d + 1) / 2.
template <class T, class MemorySpace = Kokkos::DefaultExecutionSpace::memory_space>
struct GaussianMixtureDataset {
  /// Cumulative component weights, shape (K), increasing to 1.
  Kokkos::View<T*, MemorySpace> cumulative;  // (K), increasing to 1
  /// Component means, shape (K, d).
  Kokkos::View<T**, Kokkos::LayoutRight, MemorySpace> means;  // (K, d)
  /// Component standard deviations (diagonal), shape (K, d).
  Kokkos::View<T**, Kokkos::LayoutRight, MemorySpace> stds;   // (K, d)

  GaussianMixtureDataset() = default;
  /// From host arrays: weights (K, normalised here, positive), means and stds (K x d,
  /// row-major). Throws InvalidArgument on inconsistent sizes or non-positive values.
  GaussianMixtureDataset(const std::vector<T>& weights, const std::vector<T>& mean_rows,
                         const std::vector<T>& std_rows, int d) {
    const std::size_t k = weights.size();
    if (k == 0 || d <= 0 || mean_rows.size() != k * d || std_rows.size() != k * d)
      throw InvalidArgument("GaussianMixtureDataset: need K >= 1 weights and K x d means and stds (K = " +
                            std::to_string(k) + ", d = " + std::to_string(d) + ")");
    T total = 0;
    for (std::size_t i = 0; i < k; ++i) {
      if (!(weights[i] > T(0)) || !std::isfinite(weights[i]))
        throw InvalidArgument("weights[" + std::to_string(i) + "] = " + detail::fmt(weights[i]) + " must be positive and finite");
      total += weights[i];
    }
    for (std::size_t i = 0; i < k * d; ++i)
      if (!(std_rows[i] > T(0)) || !std::isfinite(std_rows[i]))
        throw InvalidArgument("stds[" + std::to_string(i) + "] = " + detail::fmt(std_rows[i]) + " must be positive and finite");
    cumulative = Kokkos::View<T*, MemorySpace>("odeflow::GaussianMixtureDataset::cumulative", k);
    means = Kokkos::View<T**, Kokkos::LayoutRight, MemorySpace>("odeflow::GaussianMixtureDataset::means", k, d);
    stds = Kokkos::View<T**, Kokkos::LayoutRight, MemorySpace>("odeflow::GaussianMixtureDataset::stds", k, d);
    auto c = Kokkos::create_mirror_view(cumulative);
    auto m = Kokkos::create_mirror_view(means);
    auto s = Kokkos::create_mirror_view(stds);
    T acc = 0;
    for (std::size_t i = 0; i < k; ++i) {
      acc += weights[i] / total;
      c(i) = i + 1 == k ? T(1) : acc;
      for (int j = 0; j < d; ++j) {
        m(i, j) = mean_rows[i * d + j];
        s(i, j) = std_rows[i * d + j];
      }
    }
    Kokkos::deep_copy(cumulative, c);
    Kokkos::deep_copy(means, m);
    Kokkos::deep_copy(stds, s);
  }

  /// Dimension d of a sample.
  KOKKOS_FUNCTION int dim() const { return static_cast<int>(means.extent(1)); }
  /// Number of components K.
  KOKKOS_FUNCTION int num_components() const { return static_cast<int>(means.extent(0)); }

  /// Writes sample `index` (out[0 .. d)) as a pure function of (rng, index).
  template <class U>
  KOKKOS_FUNCTION void sample(const CounterRng& rng, std::uint64_t index, U* out) const {
    const T u = rng.uniform<T>(index, 0);
    const int nk = num_components();
    int k = 0;
    while (k + 1 < nk && u >= cumulative(k)) ++k;
    const int d = dim();
    for (int j = 0; j < d; ++j)
      out[j] = static_cast<U>(means(k, j) + stds(k, j) * rng.normal<T>(index, 1, j));
  }
};

}  // namespace odeflow
