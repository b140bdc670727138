// Closed-form marginal velocity of the affine path from N(0, I) to a Gaussian N(mu, diag(s^2)): a verification field.
#pragma once

#include <odeflow/flows/batched_field.hpp>
#include <odeflow/flows/detail/view_row.hpp>
#include <odeflow/flows/scheduler.hpp>
#include <odeflow/flows/schedulers/cond_ot_scheduler.hpp>
#include <odeflow/solvers/validation.hpp>

#include <Kokkos_Core.hpp>

#include <string>
#include <vector>

namespace odeflow {

/// The marginal vector field of the path x_t = alpha_t x1 + sigma_t x0 with x0 ~ N(0, I)
/// and x1 ~ N(mu, diag(s^2)) (with the default CondOTScheduler, the conditional-OT flow
/// between the two Gaussians). Per component k, p_t = N(alpha mu_k, v_k),
/// v_k = alpha^2 s_k^2 + sigma^2, and
///
///   u_k(t, x) = alpha' mu_k + c_k (x_k - alpha mu_k),  c_k = (alpha alpha' s_k^2 + sigma sigma') / v_k,
///   div u = sum_k c_k,  (J v)_k = c_k v_k,
///   log p_t(x) = -1/2 sum_k [log(2 pi v_k) + (x_k - alpha mu_k)^2 / v_k].
///
/// A BatchedFieldWithJvp and BatchedFieldWithDivergence; every member with a `space` is
/// asynchronous on it. Device-callable point forms are `velocity`, `divergence_at`,
/// `log_density` (x and out index with [k]).
template <class T, class ExecSpace = Kokkos::DefaultExecutionSpace, class S = CondOTScheduler<T>>
class GaussianField {
 public:
  /// Scalar type.
  using value_type = T;
  /// Execution space of the evaluations.
  using execution_space = ExecSpace;
  /// Memory space of its views.
  using memory_space = typename ExecSpace::memory_space;

  GaussianField() = default;
  /// Target mean mu (d) and standard deviations s (d, positive); throws InvalidArgument.
  GaussianField(const std::vector<T>& mu, const std::vector<T>& s, S sched = S{}) : m_sched(sched) {
    if (mu.empty() || mu.size() != s.size())
      throw InvalidArgument("GaussianField: mu and s need the same positive length (" + std::to_string(mu.size()) +
                            ", " + std::to_string(s.size()) + ")");
    for (std::size_t k = 0; k < s.size(); ++k) {
      validate_finite("GaussianField: mu", static_cast<long>(k), mu[k]);
      validate_finite("GaussianField: s", static_cast<long>(k), s[k]);
      if (!(s[k] > T(0)))
        throw InvalidArgument("GaussianField: s[" + std::to_string(k) + "] = " + detail::fmt(s[k]) + " must be positive");
    }
    m_mu = Kokkos::View<T*, memory_space>("odeflow::GaussianField::mu", mu.size());
    m_s = Kokkos::View<T*, memory_space>("odeflow::GaussianField::s", s.size());
    auto hm = Kokkos::create_mirror_view(m_mu);
    auto hs = Kokkos::create_mirror_view(m_s);
    for (std::size_t k = 0; k < mu.size(); ++k) {
      hm(k) = mu[k];
      hs(k) = s[k];
    }
    Kokkos::deep_copy(m_mu, hm);
    Kokkos::deep_copy(m_s, hs);
  }

  /// Dimension d.
  KOKKOS_FUNCTION int dim() const { return static_cast<int>(m_mu.extent(0)); }
  /// The scheduler of the path.
  KOKKOS_FUNCTION const S& scheduler() const { return m_sched; }

  /// c_k of the formula above (the Jacobian is diag(c)).
  KOKKOS_FUNCTION T slope(const SchedulerValue<T>& v, int k) const {
    const T s2 = m_s(k) * m_s(k);
    return (v.alpha * v.d_alpha * s2 + v.sigma * v.d_sigma) / (v.alpha * v.alpha * s2 + v.sigma * v.sigma);
  }
  /// Closed-form velocity u_t(x): out[k] = alpha'_t mu_k + c_k (x[k] - alpha_t mu_k), k < d.
  template <class X, class Out>
  KOKKOS_FUNCTION void velocity(T t, const X& x, Out&& out) const {
    const SchedulerValue<T> v = m_sched(t);
    for (int k = 0; k < dim(); ++k) out[k] = v.d_alpha * m_mu(k) + slope(v, k) * (x[k] - v.alpha * m_mu(k));
  }
  /// Closed-form divergence of u_t (independent of x): sum_k c_k.
  KOKKOS_FUNCTION T divergence_at(T t) const {
    const SchedulerValue<T> v = m_sched(t);
    T acc = T(0);
    for (int k = 0; k < dim(); ++k) acc += slope(v, k);
    return acc;
  }
  /// Log-density of p_t at x, in nats: p_t = N(alpha_t mu, diag(alpha_t^2 s^2 + sigma_t^2)).
  template <class X>
  KOKKOS_FUNCTION T log_density(T t, const X& x) const {
    const SchedulerValue<T> v = m_sched(t);
    T acc = T(0);
    for (int k = 0; k < dim(); ++k) {
      const T var = v.alpha * v.alpha * m_s(k) * m_s(k) + v.sigma * v.sigma;
      const T r = x[k] - v.alpha * m_mu(k);
      acc += -T(0.5) * (Kokkos::log(T(2) * Kokkos::numbers::pi_v<T> * var) + r * r / var);
    }
    return acc;
  }

  /// Batched velocity: dx(i, :) = u_{t(i)}(x(i, :)); t (n), x and dx (n, d).
  template <class VT, class VX, class VDX>
  void operator()(const ExecSpace& space, const VT& t, const VX& x, const VDX& dx) const {
    const GaussianField f = *this;
    Kokkos::parallel_for("odeflow::GaussianField", Kokkos::RangePolicy<ExecSpace>(space, 0, x.extent(0)),
                         KOKKOS_LAMBDA(int i) { f.velocity(t(i), detail::view_row(x, i), detail::view_row(dx, i)); });
  }
  /// Batched velocity and Jacobian-vector product jv(i, :) = J(x(i, :)) v(i, :); shapes (n, d).
  template <class VT, class VX, class VV, class VDX, class VJV>
  void jvp(const ExecSpace& space, const VT& t, const VX& x, const VV& v, const VDX& dx, const VJV& jv) const {
    const GaussianField f = *this;
    Kokkos::parallel_for("odeflow::GaussianField::jvp", Kokkos::RangePolicy<ExecSpace>(space, 0, x.extent(0)),
                         KOKKOS_LAMBDA(int i) {
                           f.velocity(t(i), detail::view_row(x, i), detail::view_row(dx, i));
                           const SchedulerValue<T> sv = f.scheduler()(t(i));
                           for (int k = 0; k < f.dim(); ++k) jv(i, k) = f.slope(sv, k) * v(i, k);
                         });
  }
  /// Batched velocity and exact divergence div(i) = tr J(x(i, :)); div (n).
  template <class VT, class VX, class VDX, class VDIV>
  void divergence(const ExecSpace& space, const VT& t, const VX& x, const VDX& dx, const VDIV& div) const {
    const GaussianField f = *this;
    Kokkos::parallel_for("odeflow::GaussianField::divergence",
                         Kokkos::RangePolicy<ExecSpace>(space, 0, x.extent(0)), KOKKOS_LAMBDA(int i) {
                           f.velocity(t(i), detail::view_row(x, i), detail::view_row(dx, i));
                           div(i) = f.divergence_at(t(i));
                         });
  }
  /// logp(i) = log p_t(i)(x(i, :)).
  template <class VT, class VX, class VL>
  void log_density(const ExecSpace& space, const VT& t, const VX& x, const VL& logp) const {
    const GaussianField f = *this;
    Kokkos::parallel_for("odeflow::GaussianField::log_density",
                         Kokkos::RangePolicy<ExecSpace>(space, 0, x.extent(0)),
                         KOKKOS_LAMBDA(int i) { logp(i) = f.log_density(t(i), detail::view_row(x, i)); });
  }

 private:
  Kokkos::View<T*, memory_space> m_mu, m_s;
  S m_sched{};
};

}  // namespace odeflow
