// Conditional flow-matching loss: mini-batches (t, x_t, target) from an affine path, the mean squared error and its gradient.
#pragma once

#include <odeflow/flows/affine_path.hpp>
#include <odeflow/flows/datasets/dataset.hpp>
#include <odeflow/flows/random.hpp>

#include <Kokkos_Core.hpp>

#include <cstdint>

namespace odeflow {

/// Streams of CounterRng used by flow-matching batches (one seed, independent uses).
struct CfmStreams {
  static constexpr std::uint32_t data = 1;   ///< x1, from the dataset
  static constexpr std::uint32_t noise = 2;  ///< x0 ~ N(0, I)
  static constexpr std::uint32_t time = 3;   ///< t ~ U[0, 1)
};

/// One conditional flow-matching mini-batch: for i < n and global sample index
/// j = first + i, x1 = point j of `data`, x0 ~ N(0, I) and t ~ U[0, 1) drawn from
/// `seed` (CfmStreams), then x_t = alpha_t x1 + sigma_t x0 and target = dx_t =
/// d alpha_t x1 + d sigma_t x0. Shapes: t (n), x1, xt, target (n, d) (x1 is scratch).
template <class ExecSpace, class D, class S, class VT, class V2>
void make_cfm_batch(const ExecSpace& space, const D& data, const AffinePath<S>& path,
                    std::uint64_t seed, std::uint64_t first, const VT& t, const V2& x1, const V2& xt,
                    const V2& target) {
  using T = typename VT::non_const_value_type;
  sample_dataset(space, data, CounterRng{seed, CfmStreams::data}, first, x1);
  const CounterRng noise{seed, CfmStreams::noise}, time{seed, CfmStreams::time};
  const int d = static_cast<int>(x1.extent(1));
  const S sch = path.scheduler;
  Kokkos::parallel_for(
      "odeflow::make_cfm_batch", Kokkos::RangePolicy<ExecSpace>(space, 0, x1.extent(0)),
      KOKKOS_LAMBDA(std::size_t i) {
        const std::uint64_t j = first + i;
        const T ti = time.uniform<T>(j, 0);
        t(i) = ti;
        const SchedulerValue<T> v = sch(ti);
        for (int k = 0; k < d; ++k) {
          const T x0 = noise.normal<T>(j, 0, k);
          xt(i, k) = v.alpha * x1(i, k) + v.sigma * x0;
          target(i, k) = v.d_alpha * x1(i, k) + v.d_sigma * x0;
        }
      });
}

/// The flow-matching loss of predictions u (n, d) against targets (n, d):
///
///   L = 1 / (n d) sum_i sum_k (u_ik - target_ik)^2
///
/// (the mean over all elements, as torch.nn.functional.mse_loss and the flow_matching
/// examples). If `grad` has extent (n, d) it receives dL/du = 2 (u - target) / (n d).
/// Per-row sums are added on the host in row order, in double: independent of threads.
template <class ExecSpace, class VU, class VTG, class VG>
double cfm_loss(const ExecSpace& space, const VU& u, const VTG& target, const VG& grad) {
  using T = typename VU::non_const_value_type;
  using Mem = typename ExecSpace::memory_space;
  const int n = static_cast<int>(u.extent(0)), d = static_cast<int>(u.extent(1));
  if (n == 0) return 0.0;
  Kokkos::View<double*, Mem> rows(Kokkos::view_alloc(Kokkos::WithoutInitializing, "odeflow::cfm_loss::rows"), n);
  const bool want_grad = grad.extent(0) == u.extent(0) && grad.extent(1) == u.extent(1);
  const T scale = T(2) / (T(n) * T(d));
  Kokkos::parallel_for(
      "odeflow::cfm_loss", Kokkos::RangePolicy<ExecSpace>(space, 0, n), KOKKOS_LAMBDA(int i) {
        double acc = 0;
        for (int k = 0; k < d; ++k) {
          const T e = u(i, k) - target(i, k);
          acc += static_cast<double>(e) * static_cast<double>(e);
          if (want_grad) grad(i, k) = scale * e;
        }
        rows(i) = acc;
      });
  auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), rows);
  double total = 0;
  for (int i = 0; i < n; ++i) total += h(i);
  return total / (static_cast<double>(n) * d);
}

}  // namespace odeflow
