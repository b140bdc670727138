// Closed-form marginal velocity of the affine path from N(0, I) to a Gaussian mixture: a verification field.
#pragma once

#include <odeflow/flows/batched_field.hpp>
#include <odeflow/flows/detail/view_row.hpp>
#include <odeflow/flows/scheduler.hpp>
#include <odeflow/flows/schedulers/cond_ot_scheduler.hpp>
#include <odeflow/solvers/validation.hpp>

#include <Kokkos_Core.hpp>

#include <cmath>
#include <string>
#include <vector>

namespace odeflow {

/// The marginal vector field of the path x_t = alpha_t x1 + sigma_t x0 with x0 ~ N(0, I)
/// and x1 ~ sum_j w_j N(mu_j, diag(s_j^2)) (default scheduler: conditional OT). Component
/// j alone is a GaussianField with velocity u_j = alpha' mu_j + c_j (x - alpha mu_j) (c_j a
/// vector, element-wise product) and density N_j = N(alpha mu_j, diag(v_j)),
/// v_j = alpha^2 s_j^2 + sigma^2. With responsibilities r_j = w_j N_j / sum_l w_l N_l and
/// g_j = grad log N_j = -(x - alpha mu_j) / v_j, g = sum_j r_j g_j:
///
///   u = sum_j r_j u_j,
///   J v = sum_j r_j c_j v + sum_j r_j u_j (g_j - g) . v,
///   div u = sum_j r_j sum_k c_jk + sum_j r_j g_j . u_j - g . u,
///   log p_t(x) = log sum_j w_j N_j(x).
///
/// (grad r_j = r_j (g_j - g).) Evaluated with the log-sum-exp shift, in three passes over
/// the components per point, without scratch memory: O(K d) per point.
template <class T, class ExecSpace = Kokkos::DefaultExecutionSpace, class S = CondOTScheduler<T>>
class GaussianMixtureField {
 public:
  /// Scalar type.
  using value_type = T;
  /// Execution space of the evaluations.
  using execution_space = ExecSpace;
  /// Memory space of its views.
  using memory_space = typename ExecSpace::memory_space;

  GaussianMixtureField() = default;
  /// weights (K, positive, normalised here), means and stds (K x d, row-major, stds
  /// positive). Throws InvalidArgument on inconsistent input.
  GaussianMixtureField(const std::vector<T>& weights, const std::vector<T>& means, const std::vector<T>& stds,
                       int d, S sched = S{})
      : m_sched(sched) {
    const std::size_t k = weights.size();
    if (k == 0 || d <= 0 || means.size() != k * d || stds.size() != k * d)
      throw InvalidArgument("GaussianMixtureField: need K >= 1 weights and K x d means and stds (K = " +
                            std::to_string(k) + ", d = " + std::to_string(d) + ")");
    T total = 0;
    for (std::size_t j = 0; j < k; ++j) {
      if (!(weights[j] > T(0)) || !std::isfinite(weights[j]))
        throw InvalidArgument("GaussianMixtureField: weights[" + std::to_string(j) + "] = " + detail::fmt(weights[j]) +
                              " must be positive and finite");
      total += weights[j];
    }
    for (std::size_t j = 0; j < k * d; ++j)
      if (!(stds[j] > T(0)) || !std::isfinite(stds[j]) || !std::isfinite(means[j]))
        throw InvalidArgument("GaussianMixtureField: stds[" + std::to_string(j) + "] = " + detail::fmt(stds[j]) +
                              " must be positive and finite, means[" + std::to_string(j) + "] = " + detail::fmt(means[j]) +
                              " finite");
    m_logw = Kokkos::View<T*, memory_space>("odeflow::GaussianMixtureField::log_weights", k);
    m_mu = Kokkos::View<T**, Kokkos::LayoutRight, memory_space>("odeflow::GaussianMixtureField::means", k, d);
    m_s = Kokkos::View<T**, Kokkos::LayoutRight, memory_space>("odeflow::GaussianMixtureField::stds", k, d);
    auto hw = Kokkos::create_mirror_view(m_logw);
    auto hm = Kokkos::create_mirror_view(m_mu);
    auto hs = Kokkos::create_mirror_view(m_s);
    for (std::size_t j = 0; j < k; ++j) {
      hw(j) = std::log(weights[j] / total);
      for (int c = 0; c < d; ++c) {
        hm(j, c) = means[j * d + c];
        hs(j, c) = stds[j * d + c];
      }
    }
    Kokkos::deep_copy(m_logw, hw);
    Kokkos::deep_copy(m_mu, hm);
    Kokkos::deep_copy(m_s, hs);
  }

  /// Dimension d.
  KOKKOS_FUNCTION int dim() const { return static_cast<int>(m_mu.extent(1)); }
  /// Number of components.
  KOKKOS_FUNCTION int num_components() const { return static_cast<int>(m_mu.extent(0)); }

  /// log(w_j N_j(x)) at scheduler values v.
  template <class X>
  KOKKOS_FUNCTION T log_weighted_density(const SchedulerValue<T>& v, int j, const X& x) const {
    T acc = m_logw(j);
    for (int k = 0; k < dim(); ++k) {
      const T var = v.alpha * v.alpha * m_s(j, k) * m_s(j, k) + v.sigma * v.sigma;
      const T r = x[k] - v.alpha * m_mu(j, k);
      acc += -T(0.5) * (Kokkos::log(T(2) * Kokkos::numbers::pi_v<T> * var) + r * r / var);
    }
    return acc;
  }
  /// Component j's velocity slope in coordinate k: (alpha alpha' s^2 + sigma sigma') / (alpha^2 s^2 + sigma^2).
  KOKKOS_FUNCTION T slope(const SchedulerValue<T>& v, int j, int k) const {
    const T s2 = m_s(j, k) * m_s(j, k);
    return (v.alpha * v.d_alpha * s2 + v.sigma * v.d_sigma) / (v.alpha * v.alpha * s2 + v.sigma * v.sigma);
  }
  /// Component j's velocity in coordinate k at x_k: alpha' mu_jk + slope (x_k - alpha mu_jk).
  KOKKOS_FUNCTION T component_velocity(const SchedulerValue<T>& v, int j, int k, T xk) const {
    return v.d_alpha * m_mu(j, k) + slope(v, j, k) * (xk - v.alpha * m_mu(j, k));
  }
  /// Component j's score in coordinate k: -(x_k - alpha mu_jk) / (alpha^2 s_jk^2 + sigma^2).
  KOKKOS_FUNCTION T score(const SchedulerValue<T>& v, int j, int k, T xk) const {
    const T var = v.alpha * v.alpha * m_s(j, k) * m_s(j, k) + v.sigma * v.sigma;
    return -(xk - v.alpha * m_mu(j, k)) / var;
  }
  /// Largest weighted log-density over the components at x (the shift of a stable log-sum-exp).
  template <class X>
  KOKKOS_FUNCTION T max_log(const SchedulerValue<T>& v, const X& x) const {
    T m = log_weighted_density(v, 0, x);
    for (int j = 1; j < num_components(); ++j) {
      const T l = log_weighted_density(v, j, x);
      m = l > m ? l : m;
    }
    return m;
  }

  /// Point form: out = u_t(x); optionally jv = J v (v non-null) and *div = div u_t(x).
  template <class X, class Out, class V, class JV>
  KOKKOS_FUNCTION void evaluate(T t, const X& x, Out&& out, const V* v, JV* jv, T* div) const {
    const SchedulerValue<T> sv = m_sched(t);
    const int d = dim(), nk = num_components();
    const T mx = max_log(sv, x);
    T z = T(0);
    for (int k = 0; k < d; ++k) out[k] = T(0);
    for (int j = 0; j < nk; ++j) {
      const T e = Kokkos::exp(log_weighted_density(sv, j, x) - mx);
      z += e;
      for (int k = 0; k < d; ++k) out[k] += e * component_velocity(sv, j, k, x[k]);
    }
    for (int k = 0; k < d; ++k) out[k] /= z;
    if (!v && !div) return;
    // Second pass: g . u, g . v and the terms with r_j.
    T gu = T(0), gv = T(0), cdiv = T(0), guj = T(0);
    if (v)
      for (int k = 0; k < d; ++k) (*jv)[k] = T(0);
    for (int j = 0; j < nk; ++j) {
      const T r = Kokkos::exp(log_weighted_density(sv, j, x) - mx) / z;
      T gjv = T(0);
      for (int k = 0; k < d; ++k) {
        const T gk = score(sv, j, k, x[k]);
        const T uk = component_velocity(sv, j, k, x[k]);
        gu += r * gk * out[k];
        cdiv += r * slope(sv, j, k);
        guj += r * gk * uk;
        if (v) gjv += gk * (*v)[k];
      }
      if (v) {
        gv += r * gjv;
        for (int k = 0; k < d; ++k)
          (*jv)[k] += r * (slope(sv, j, k) * (*v)[k] + component_velocity(sv, j, k, x[k]) * gjv);
      }
    }
    if (v)
      for (int k = 0; k < d; ++k) (*jv)[k] -= out[k] * gv;
    if (div) *div = cdiv + guj - gu;
  }
  /// Log-density of the mixture p_t at x, in nats.
  template <class X>
  KOKKOS_FUNCTION T log_density(T t, const X& x) const {
    const SchedulerValue<T> sv = m_sched(t);
    const T mx = max_log(sv, x);
    T z = T(0);
    for (int j = 0; j < num_components(); ++j) z += Kokkos::exp(log_weighted_density(sv, j, x) - mx);
    return mx + Kokkos::log(z);
  }

  /// Batched velocity: dx(i, :) = u_{t(i)}(x(i, :)); t (n), x and dx (n, d).
  template <class VT, class VX, class VDX>
  void operator()(const ExecSpace& space, const VT& t, const VX& x, const VDX& dx) const {
    const GaussianMixtureField f = *this;
    using R = detail::ViewRow<VX>;
    Kokkos::parallel_for("odeflow::GaussianMixtureField", Kokkos::RangePolicy<ExecSpace>(space, 0, x.extent(0)),
                         KOKKOS_LAMBDA(int i) {
                           f.evaluate(t(i), detail::view_row(x, i), detail::view_row(dx, i), static_cast<const R*>(nullptr),
                                      static_cast<detail::ViewRow<VDX>*>(nullptr), static_cast<T*>(nullptr));
                         });
  }
  /// Batched velocity and Jacobian-vector product jv(i, :) = J(x(i, :)) v(i, :); shapes (n, d).
  template <class VT, class VX, class VV, class VDX, class VJV>
  void jvp(const ExecSpace& space, const VT& t, const VX& x, const VV& v, const VDX& dx, const VJV& jv) const {
    const GaussianMixtureField f = *this;
    Kokkos::parallel_for("odeflow::GaussianMixtureField::jvp", Kokkos::RangePolicy<ExecSpace>(space, 0, x.extent(0)),
                         KOKKOS_LAMBDA(int i) {
                           const auto vr = detail::view_row(v, i);
                           auto jr = detail::view_row(jv, i);
                           f.evaluate(t(i), detail::view_row(x, i), detail::view_row(dx, i), &vr, &jr,
                                      static_cast<T*>(nullptr));
                         });
  }
  /// Batched velocity and exact divergence div(i) = tr J(x(i, :)); div (n).
  template <class VT, class VX, class VDX, class VDIV>
  void divergence(const ExecSpace& space, const VT& t, const VX& x, const VDX& dx, const VDIV& div) const {
    const GaussianMixtureField f = *this;
    using R = detail::ViewRow<VX>;
    Kokkos::parallel_for("odeflow::GaussianMixtureField::divergence",
                         Kokkos::RangePolicy<ExecSpace>(space, 0, x.extent(0)), KOKKOS_LAMBDA(int i) {
                           T dv = T(0);
                           f.evaluate(t(i), detail::view_row(x, i), detail::view_row(dx, i),
                                      static_cast<const R*>(nullptr), static_cast<detail::ViewRow<VDX>*>(nullptr), &dv);
                           div(i) = dv;
                         });
  }
  /// logp(i) = log p_t(i)(x(i, :)).
  template <class VT, class VX, class VL>
  void log_density(const ExecSpace& space, const VT& t, const VX& x, const VL& logp) const {
    const GaussianMixtureField f = *this;
    Kokkos::parallel_for("odeflow::GaussianMixtureField::log_density",
                         Kokkos::RangePolicy<ExecSpace>(space, 0, x.extent(0)),
                         KOKKOS_LAMBDA(int i) { logp(i) = f.log_density(t(i), detail::view_row(x, i)); });
  }

 private:
  Kokkos::View<T*, memory_space> m_logw;
  Kokkos::View<T**, Kokkos::LayoutRight, memory_space> m_mu, m_s;
  S m_sched{};
};

}  // namespace odeflow
