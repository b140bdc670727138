// Energy distance between two samples (Szekely & Rizzo): a two-sample statistic for checking generated data.
#pragma once

#include <Kokkos_Core.hpp>

#include <cmath>

namespace odeflow {

/// The energy distance between samples a (n, d) and b (m, d):
///
///   E = 2 mean_{i,j} |a_i - b_j| - mean_{i != i'} |a_i - a_i'| - mean_{j != j'} |b_j - b_j'|
///
/// (Euclidean norms; the within-sample means are U-statistics, so E is an unbiased
/// estimate of 2 E|X - Y| - E|X - X'| - E|Y - Y'|, which is >= 0 and 0 only when the
/// distributions are equal). O((n + m)^2 d) work, accumulated in double; per-row sums are
/// combined on the host in row order, so the value does not depend on the thread count.
/// Requires n, m >= 2.
template <class ExecSpace, class VA, class VB>
double energy_distance(const ExecSpace& space, const VA& a, const VB& b) {
  using Mem = typename ExecSpace::memory_space;
  const int n = static_cast<int>(a.extent(0)), m = static_cast<int>(b.extent(0)), d = static_cast<int>(a.extent(1));
  Kokkos::View<double* [3], Kokkos::LayoutRight, Mem> rows("odeflow::energy_distance::rows", n > m ? n : m);
  Kokkos::parallel_for(
      "odeflow::energy_distance", Kokkos::RangePolicy<ExecSpace>(space, 0, n > m ? n : m), KOKKOS_LAMBDA(int i) {
        double ab = 0, aa = 0, bb = 0;
        for (int j = 0; j < m && i < n; ++j) {
          double s = 0;
          for (int k = 0; k < d; ++k) {
            const double e = static_cast<double>(a(i, k)) - static_cast<double>(b(j, k));
            s += e * e;
          }
          ab += Kokkos::sqrt(s);
        }
        for (int j = 0; j < n && i < n; ++j) {
          double s = 0;
          for (int k = 0; k < d; ++k) {
            const double e = static_cast<double>(a(i, k)) - static_cast<double>(a(j, k));
            s += e * e;
          }
          aa += Kokkos::sqrt(s);
        }
        for (int j = 0; j < m && i < m; ++j) {
          double s = 0;
          for (int k = 0; k < d; ++k) {
            const double e = static_cast<double>(b(i, k)) - static_cast<double>(b(j, k));
            s += e * e;
          }
          bb += Kokkos::sqrt(s);
        }
        rows(i, 0) = ab;
        rows(i, 1) = aa;
        rows(i, 2) = bb;
      });
  auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), rows);
  double ab = 0, aa = 0, bb = 0;
  for (std::size_t i = 0; i < h.extent(0); ++i) {
    ab += h(i, 0);
    aa += h(i, 1);
    bb += h(i, 2);
  }
  return 2 * ab / (double(n) * m) - aa / (double(n) * (n - 1)) - bb / (double(m) * (m - 1));
}

}  // namespace odeflow
