// How a likelihood solve gets div u: exactly, or by Hutchinson's estimator with K fixed probes per sample.
#pragma once

#include <odeflow/flows/random.hpp>

#include <Kokkos_Macros.hpp>

#include <cstdint>

namespace odeflow {

/// Distribution of Hutchinson probes eps (E[eps eps^T] = I, so E[eps^T J eps] = trace J).
enum class ProbeKind : int {
  /// eps_k = +-1 with probability 1/2: the smallest variance, 2 sum_{j != k} J_jk^2 (symmetric part).
  rademacher = 0,
  /// eps_k ~ N(0, 1): variance 2 ||sym J||_F^2, diagonal terms included.
  gaussian = 1,
};

/// The divergence of a likelihood solve.
///
/// - `exact` (default): div u = trace J, from the field's `divergence` (about d + 1 forward
///   passes for an MLP) or, for a field with only `jvp`, d stacked Jacobian-vector products.
/// - `hutchinson`: K = `probes` estimates eps_k^T J eps_k, each integrated as its own
///   log-density component l_k; the result is their mean and its standard error over the
///   probes. Probe k of sample i is drawn once, before the solve, from CounterRng{seed,
///   probe_stream} at index (index_offset + i) and held fixed for the whole solve (an
///   unbiased estimate of the exact integral, not of each step). Costs 2 K forward passes
///   per evaluation for an MLP (K primal rows and K tangent rows), so it pays when d is large.
struct DivergenceEstimator {
  /// Which divergence: the exact trace of the Jacobian, or Hutchinson's estimate of it.
  enum class Kind : int { exact = 0, hutchinson = 1 };
  /// exact (default) or hutchinson.
  Kind kind = Kind::exact;
  /// K, Hutchinson probes per sample (>= 1, checked when a solve starts); ignored for exact.
  int probes = 1;
  /// The probes' distribution (Hutchinson only).
  ProbeKind probe = ProbeKind::rademacher;
  /// Key of the probes' CounterRng (with probe_stream); Hutchinson only.
  std::uint64_t seed = 0;

  /// The exact divergence: {Kind::exact, ...defaults}.
  static DivergenceEstimator exact() { return {}; }
  /// Hutchinson's estimator with k probes per sample of distribution p, keyed by `seed`.
  /// Not validated here: k < 1 is an InvalidArgument when the solve starts.
  static DivergenceEstimator hutchinson(int k, ProbeKind p = ProbeKind::rademacher, std::uint64_t seed = 0) {
    return {Kind::hutchinson, k, p, seed};
  }
  /// Log-density components a solve carries: 1 (exact) or K (Hutchinson).
  int log_density_components() const { return kind == Kind::exact ? 1 : probes; }
};

/// @var DivergenceEstimator::Kind::exact
/// div u = trace J, from the field's `divergence` or d stacked Jacobian-vector products.
/// @var DivergenceEstimator::Kind::hutchinson
/// K unbiased estimates eps_k^T J eps_k with fixed probes eps_k, integrated separately.

/// Stream of CounterRng used for probes.
inline constexpr std::uint32_t probe_stream = 0x70726f62u;  // "prob"

/// Component k of probe p (of K, dimension d) of sample `index`: element e = p d + k of the
/// sample's probe sequence. Rademacher: bit (e mod 128) of block e / 128; Gaussian:
/// CounterRng::normal number e.
template <class T>
KOKKOS_FUNCTION T probe_component(const CounterRng& rng, ProbeKind kind, std::uint64_t index, int d, int p, int k) {
  const int e = p * d + k;
  if (kind == ProbeKind::rademacher) {
    const auto b = rng.bits(index, static_cast<std::uint32_t>(e / 128));
    const int bit = e % 128;
    return ((b[bit / 32] >> (bit % 32)) & 1u) ? T(1) : T(-1);
  }
  return rng.normal<T>(index, 0, e);
}

}  // namespace odeflow
