// The augmented field of a likelihood solve: (x, l, probes) -> (u, div u, 0), exact or Hutchinson.
#pragma once

#include <odeflow/flows/batched_field.hpp>
#include <odeflow/flows/divergence_estimator.hpp>
#include <odeflow/solvers/validation.hpp>

#include <Kokkos_Core.hpp>

#include <string>

namespace odeflow {

/// A BatchedField over augmented rows [x (d) | l (L) | eps (P)] for the instantaneous
/// change of variables d/dt log p_t(x_t) = -div u_t(x_t):
///
///   dx/dt = u_t(x),   dl_k/dt = D_k(t, x),   d eps/dt = 0,
///
/// with D_1 = div u (exact: L = 1, P = 0) or D_k = eps_k^T J eps_k for the K Hutchinson
/// probes carried in the state (L = K, P = K d; probe k occupies columns d + K + k d ..).
/// Probes live in the state so that each sample keeps its own through the solver's
/// active-set compaction; their derivative is exactly 0, so they never change, and solves
/// leave them out of the error norm (ErrorNorm::components).
///
/// Exact divergence uses the field's `divergence` when it has one, else d stacked unit
/// `jvp`s. Hutchinson stacks the K probes of every sample into one `jvp` call over m K rows.
/// Rows stay independent: row i of the output depends on row i of the input only.
///
/// Workspace grows on demand (one call at a time per object, like the fields it wraps).
template <class F>
class AugmentedDivergenceField {
 public:
  /// The scalar of the wrapped field (float or double).
  using value_type = typename F::value_type;
  /// The wrapped field's execution space: every call runs its kernels there.
  using execution_space = typename F::execution_space;
  /// Where the views passed in and the grown workspace live (execution_space's memory).
  using memory_space = typename execution_space::memory_space;
  /// Short for value_type.
  using T = value_type;

  /// Wraps a copy of `f` (dimension d = f.dim()) with estimator `est`.
  ///
  /// Throws InvalidArgument (naming the setting and its value) when `est.kind` is neither
  /// exact nor hutchinson, and for Hutchinson when `est.probes` < 1, `est.probe` is not a
  /// ProbeKind, K (d + 1) would exceed 2^20 (probes > 2^20 / (d + 1)), or F has no `jvp`.
  /// A field with neither `divergence` nor `jvp` does not compile (static_assert).
  AugmentedDivergenceField(const F& f, const DivergenceEstimator& est) : m_f(f), m_est(est), m_d(f.dim()) {
    if (m_est.kind == DivergenceEstimator::Kind::hutchinson) {
      if (m_est.probes < 1)
        throw InvalidArgument("divergence.probes = " + std::to_string(m_est.probes) + " must be >= 1 for Hutchinson");
      if (m_est.probe != ProbeKind::rademacher && m_est.probe != ProbeKind::gaussian)
        throw InvalidArgument("divergence.probe = " + std::to_string(static_cast<int>(m_est.probe)) +
                              " is not a ProbeKind (rademacher, gaussian)");
      if (m_est.probes > (1 << 20) / (m_d + 1))
        throw InvalidArgument("divergence.probes = " + std::to_string(m_est.probes) + " is too many for d = " +
                              std::to_string(m_d) + " (K (d + 1) must stay below 2^20)");
      if constexpr (!BatchedFieldWithJvp<F>)
        throw InvalidArgument("divergence = hutchinson needs a field with jvp (BatchedFieldWithJvp)");
    } else if (m_est.kind != DivergenceEstimator::Kind::exact) {
      throw InvalidArgument("divergence.kind = " + std::to_string(static_cast<int>(m_est.kind)) +
                            " is not exact or hutchinson");
    }
    static_assert(BatchedFieldWithDivergence<F> || BatchedFieldWithJvp<F>,
                  "a likelihood needs a field with divergence or jvp");
  }

  /// D = d + L + P.
  int dim() const { return m_d + num_log_density() + num_probe_components(); }
  /// d, the dimension of x.
  int state_dim() const { return m_d; }
  /// L: 1 (exact) or K (Hutchinson).
  int num_log_density() const { return m_est.log_density_components(); }
  /// P: 0 (exact) or K d.
  int num_probe_components() const { return hutchinson() ? m_est.probes * m_d : 0; }
  /// True when the estimator is Hutchinson's (est.kind == DivergenceEstimator::Kind::hutchinson).
  bool hutchinson() const { return m_est.kind == DivergenceEstimator::Kind::hutchinson; }
  /// The estimator given to the constructor.
  const DivergenceEstimator& estimator() const { return m_est; }
  /// The wrapped field (this object's copy of it).
  const F& field() const { return m_f; }

  /// Writes the probes of rows [0, n) into columns d + L .. of `xa` (n, D): probe p of row i
  /// from sample index index_offset + i. No-op for exact divergence.
  ///
  /// xa(i, d + K + p d + k) = probe_component<T>(CounterRng{seed, probe_stream}, probe,
  /// index_offset + i, d, p, k) for p < K, k < d, with seed, probe and K = probes from the
  /// estimator; columns [0, d + K) are left as they are. One kernel enqueued on `space`.
  template <class XA>
  void fill_probes(const execution_space& space, const XA& xa, std::uint64_t index_offset) const {
    if (!hutchinson()) return;
    const int d = m_d, K = m_est.probes, off = m_d + K;
    const ProbeKind kind = m_est.probe;
    const CounterRng rng{m_est.seed, probe_stream};
    Kokkos::parallel_for(
        "odeflow::AugmentedDivergenceField::probes", Kokkos::RangePolicy<execution_space>(space, 0, xa.extent(0)),
        KOKKOS_LAMBDA(int i) {
          const std::uint64_t idx = index_offset + static_cast<std::uint64_t>(i);
          for (int p = 0; p < K; ++p)
            for (int k = 0; k < d; ++k) xa(i, off + p * d + k) = probe_component<T>(rng, kind, idx, d, p, k);
        });
  }

  /// dxa(i, :) = (u, D_1..D_L, 0) at (t(i), xa(i, :)); t (m), xa and dxa (m, D).
  ///
  /// - Exact, field with `divergence`: one `f.divergence(space, t, x, u, div)` call over the m
  ///   rows, D_1 = div u.
  /// - Exact, field with `jvp` only: one `jvp` call over m d rows with the unit tangents e_k,
  ///   D_1 = sum_k (J e_k)_k = trace J.
  /// - Hutchinson: one `jvp` call over m K rows with the sample's probes as tangents,
  ///   D_k = eps_k^T (J eps_k); the probe columns of dxa are set to 0.
  ///
  /// Grows the workspace to the rows needed (m; m d or m K on the jvp paths); m = 0 does
  /// nothing. Kernels and field calls are enqueued on `space`.
  template <class VT, class VX, class VDX>
  void operator()(const execution_space& space, const VT& t, const VX& xa, const VDX& dxa) const {
    const int m = static_cast<int>(xa.extent(0));
    if (m == 0) return;
    const int d = m_d, L = num_log_density(), P = num_probe_components();
    if constexpr (BatchedFieldWithDivergence<F>) {
      if (!hutchinson()) {
        grow(m);
        auto x = rows(m_x, m);
        auto dx = rows(m_dx, m);
        auto div = Kokkos::subview(m_s, Kokkos::make_pair(0, m));
        Kokkos::parallel_for(
            "odeflow::AugmentedDivergenceField::load", Kokkos::RangePolicy<execution_space>(space, 0, m),
            KOKKOS_LAMBDA(int i) {
              for (int k = 0; k < d; ++k) x(i, k) = xa(i, k);
            });
        m_f.divergence(space, t, x, dx, div);
        Kokkos::parallel_for(
            "odeflow::AugmentedDivergenceField::store", Kokkos::RangePolicy<execution_space>(space, 0, m),
            KOKKOS_LAMBDA(int i) {
              for (int k = 0; k < d; ++k) dxa(i, k) = dx(i, k);
              dxa(i, d) = div(i);
            });
        return;
      }
    }
    if constexpr (BatchedFieldWithJvp<F>) {
      // Stacked tangents: K probes (Hutchinson) or the d unit vectors (exact, no divergence member).
      const bool exact = !hutchinson();
      const int K = exact ? d : m_est.probes;
      const int rows_needed = m * K;
      grow(rows_needed);
      auto ts = Kokkos::subview(m_s, Kokkos::make_pair(0, rows_needed));
      auto xs = rows(m_x, rows_needed);
      auto vs = rows(m_v, rows_needed);
      auto dxs = rows(m_dx, rows_needed);
      auto jvs = rows(m_jv, rows_needed);
      const int off = d + L;
      Kokkos::parallel_for(
          "odeflow::AugmentedDivergenceField::stack", Kokkos::RangePolicy<execution_space>(space, 0, m),
          KOKKOS_LAMBDA(int i) {
            for (int p = 0; p < K; ++p) {
              const int r = i * K + p;
              ts(r) = t(i);
              for (int k = 0; k < d; ++k) {
                xs(r, k) = xa(i, k);
                vs(r, k) = exact ? (k == p ? T(1) : T(0)) : xa(i, off + p * d + k);
              }
            }
          });
      m_f.jvp(space, ts, xs, vs, dxs, jvs);
      Kokkos::parallel_for(
          "odeflow::AugmentedDivergenceField::reduce", Kokkos::RangePolicy<execution_space>(space, 0, m),
          KOKKOS_LAMBDA(int i) {
            const int r0 = i * K;
            for (int k = 0; k < d; ++k) dxa(i, k) = dxs(r0, k);
            if (exact) {
              T acc = T(0);
              for (int p = 0; p < K; ++p) acc += jvs(r0 + p, p);
              dxa(i, d) = acc;
            } else {
              for (int p = 0; p < K; ++p) {
                T acc = T(0);
                for (int k = 0; k < d; ++k) acc += vs(r0 + p, k) * jvs(r0 + p, k);
                dxa(i, d + p) = acc;
              }
            }
            for (int j = 0; j < P; ++j) dxa(i, off + j) = T(0);
          });
    }
  }

 private:
  using Buf = Kokkos::View<T**, Kokkos::LayoutRight, memory_space>;
  static auto rows(const Buf& b, int m) { return Kokkos::subview(b, Kokkos::make_pair(0, m), Kokkos::ALL); }
  void grow(int rows_needed) const {
    if (static_cast<int>(m_x.extent(0)) >= rows_needed) return;
    const auto wi = Kokkos::view_alloc(Kokkos::WithoutInitializing, std::string("odeflow::AugmentedDivergenceField"));
    m_x = Buf(wi, rows_needed, m_d);
    m_dx = Buf(wi, rows_needed, m_d);
    m_s = Kokkos::View<T*, memory_space>(wi, rows_needed);
    if (hutchinson() || !BatchedFieldWithDivergence<F>) {
      m_v = Buf(wi, rows_needed, m_d);
      m_jv = Buf(wi, rows_needed, m_d);
    }
  }

  F m_f;
  DivergenceEstimator m_est;
  int m_d;
  mutable Buf m_x, m_dx, m_v, m_jv;
  mutable Kokkos::View<T*, memory_space> m_s;
};

}  // namespace odeflow
