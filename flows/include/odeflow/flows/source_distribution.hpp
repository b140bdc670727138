// Source distributions p0 of a flow (x0 at t = 0): standard normal, diagonal Gaussian, or any log-density you plug in.
#pragma once

#include <odeflow/flows/detail/view_row.hpp>
#include <odeflow/flows/random.hpp>
#include <odeflow/solvers/validation.hpp>

#include <Kokkos_Core.hpp>

#include <cmath>
#include <concepts>
#include <cstdint>
#include <string>
#include <vector>

namespace odeflow {

/// A source distribution: `s.dim()` (d) and the device-callable `s.log_density(x)` = log p0(x)
/// in nats, x a row indexed with [k], k < d. Sources that can be sampled also have
/// `s.draw(rng, index, out)` writing one point (used by `sample_source`).
///
/// Plug in another density with `SourceLogDensity<T, F>{d, f}` (f a device-callable
/// `T f(const Row& x)`), or any trivially copyable type with these two members.
template <class S>
concept SourceDistribution = requires(const S& s) {
  typename S::value_type;
  { s.dim() } -> std::convertible_to<int>;
};

/// Stream of CounterRng used for source draws by `sample_source`.
inline constexpr std::uint32_t source_stream = 0x73726330u;  // "src0"

/// N(0, I_d): log p0(x) = -d/2 log(2 pi) - |x|^2 / 2.
template <class T>
struct StandardNormal {
  /// The scalar of log_density and draw.
  using value_type = T;
  /// d, the dimension (default 1).
  int d = 1;

  /// d.
  KOKKOS_FUNCTION int dim() const { return d; }
  /// log p0(x) = -d/2 log(2 pi) - sum_k x_k^2 / 2 (nats); x a row of d values indexed with [k].
  template <class X>
  KOKKOS_FUNCTION T log_density(const X& x) const {
    T acc = T(0);
    for (int k = 0; k < d; ++k) acc += T(x[k]) * T(x[k]);
    return T(-0.5) * (T(d) * Kokkos::log(T(2) * Kokkos::numbers::pi_v<T>) + acc);
  }
  /// out[k] = standard normal k of sample `index` (CounterRng::normal, draws from 0).
  template <class Out>
  KOKKOS_FUNCTION void draw(const CounterRng& rng, std::uint64_t index, Out&& out) const {
    for (int k = 0; k < d; ++k) out[k] = rng.normal<T>(index, 0, k);
  }
};

/// N(mean, diag(std^2)): log p0(x) = -sum_k [log(std_k) + log(2 pi)/2 + ((x_k - mean_k)/std_k)^2 / 2].
template <class T, class MemorySpace = Kokkos::DefaultExecutionSpace::memory_space>
class DiagonalGaussian {
 public:
  /// The scalar of the parameters, log_density and draw.
  using value_type = T;
  /// Where mean and std are stored: log_density and draw run in kernels that can access it.
  using memory_space = MemorySpace;

  /// An empty distribution (dim() = 0), to be assigned later.
  DiagonalGaussian() = default;
  /// mean (d) and std (d, positive, finite); throws InvalidArgument naming the bad entry.
  DiagonalGaussian(const std::vector<T>& mean, const std::vector<T>& std_dev) {
    if (mean.empty() || mean.size() != std_dev.size())
      throw InvalidArgument("DiagonalGaussian: mean and std need the same positive length (got " +
                            std::to_string(mean.size()) + " and " + std::to_string(std_dev.size()) + ")");
    for (std::size_t k = 0; k < mean.size(); ++k) {
      validate_finite("DiagonalGaussian mean", static_cast<long>(k), mean[k]);
      validate_finite("DiagonalGaussian std", static_cast<long>(k), std_dev[k]);
      if (!(std_dev[k] > T(0)))
        throw InvalidArgument("DiagonalGaussian: std[" + std::to_string(k) + "] = " + detail::fmt(std_dev[k]) +
                              " must be positive");
    }
    m_mean = Kokkos::View<T*, MemorySpace>("odeflow::DiagonalGaussian::mean", mean.size());
    m_std = Kokkos::View<T*, MemorySpace>("odeflow::DiagonalGaussian::std", mean.size());
    auto hm = Kokkos::create_mirror_view(m_mean);
    auto hs = Kokkos::create_mirror_view(m_std);
    T norm = T(0);
    for (std::size_t k = 0; k < mean.size(); ++k) {
      hm(k) = mean[k];
      hs(k) = std_dev[k];
      norm += std::log(std_dev[k]);
    }
    m_log_norm = -norm - T(0.5) * T(mean.size()) * std::log(T(2) * Kokkos::numbers::pi_v<T>);
    Kokkos::deep_copy(m_mean, hm);
    Kokkos::deep_copy(m_std, hs);
  }

  /// d, the length of mean and std (0 when default-constructed).
  KOKKOS_FUNCTION int dim() const { return static_cast<int>(m_mean.extent(0)); }
  /// log p0(x) = -sum_k [log(std_k) + log(2 pi)/2] - sum_k ((x_k - mean_k)/std_k)^2 / 2 (nats),
  /// the first sum computed once on the host; x a row of d values indexed with [k].
  template <class X>
  KOKKOS_FUNCTION T log_density(const X& x) const {
    T acc = T(0);
    for (int k = 0; k < dim(); ++k) {
      const T z = (T(x[k]) - m_mean(k)) / m_std(k);
      acc += z * z;
    }
    return m_log_norm - T(0.5) * acc;
  }
  /// out[k] = mean_k + std_k z_k with z the StandardNormal draw of `index`.
  template <class Out>
  KOKKOS_FUNCTION void draw(const CounterRng& rng, std::uint64_t index, Out&& out) const {
    for (int k = 0; k < dim(); ++k) out[k] = m_mean(k) + m_std(k) * rng.normal<T>(index, 0, k);
  }

 private:
  Kokkos::View<T*, MemorySpace> m_mean, m_std;
  T m_log_norm = T(0);
};

/// A source given only by its log-density: `f(x)` returns log p0(x) in nats for a row x
/// indexed with [k] (device-callable, trivially copyable). No `draw`: bring your own x0.
template <class T, class F>
struct SourceLogDensity {
  /// The scalar f returns.
  using value_type = T;
  /// d, the dimension (default 1).
  int d = 1;
  /// The log-density: `T f(const Row& x)`, device-callable.
  F f;

  /// d.
  KOKKOS_FUNCTION int dim() const { return d; }
  /// log p0(x) = f(x) (nats); x a row of d values indexed with [k].
  template <class X>
  KOKKOS_FUNCTION T log_density(const X& x) const {
    return f(x);
  }
};

/// Draws x0(i, :) from `source` for every row i, keyed by (seed, index_offset + i) on
/// stream `source_stream`: a sample's point depends on its index only, never on the batch.
/// x0 is (n, d) in ExecSpace's memory; throws InvalidArgument when d != source.dim().
template <class ExecSpace, class Source, class XView>
void sample_source(const ExecSpace& space, const Source& source, std::uint64_t seed, const XView& x0,
                   std::uint64_t index_offset = 0) {
  if (static_cast<int>(x0.extent(1)) != source.dim())
    throw InvalidArgument("x0.extent(1) = " + std::to_string(x0.extent(1)) + " but the source's dimension is " +
                          std::to_string(source.dim()));
  const CounterRng rng{seed, source_stream};
  Kokkos::parallel_for(
      "odeflow::sample_source", Kokkos::RangePolicy<ExecSpace>(space, 0, x0.extent(0)), KOKKOS_LAMBDA(int i) {
        source.draw(rng, index_offset + static_cast<std::uint64_t>(i), detail::view_row(x0, i));
      });
}

}  // namespace odeflow
