// Schedule transform: sample a model trained on one scheduler's path along another scheduler's path.
#pragma once

#include <odeflow/flows/batched_field.hpp>
#include <odeflow/flows/scheduler.hpp>

#include <Kokkos_Core.hpp>

#include <cstddef>

namespace odeflow {

/// Time and scale change between two affine paths with the same (x0, x1) coupling
/// (Lipman et al., "Flow Matching Guide and Code", arXiv 2412.06264, sec. 4.8): with
/// the target scheduler B at time r and the source scheduler A,
///
///   t_r = A.snr_inverse(alpha_B(r) / sigma_B(r)),  s_r = sigma_B(r) / sigma_A(t_r) = alpha_B(r) / alpha_A(t_r),
///
/// so that x^B_r = s_r x^A_{t_r} and, for a velocity u^A trained along A,
///
///   u^B_r(x) = (s_r' / s_r) x + s_r t_r' u^A_{t_r}(x / s_r),
///   t_r' = D_B(r) / (D_A(t_r) s_r^2),  D = alpha' sigma - alpha sigma'  (from equal SNRs),
///   s_r' = (sigma_B' - s_r sigma_A' t_r') / sigma_A  (or the alpha form, whichever
///          denominator is larger, so that both ends t = 0 and t = 1 stay finite).
///
/// At r = 1 with a scheduler whose sigma' is infinite there (VP, linear VP) the value is
/// a limit; evaluate inside [0, 1).
template <Scheduler From, Scheduler To>
struct ScheduleTransform {
  /// Scalar type.
  using T = typename To::value_type;
  /// Scheduler A the model was trained along.
  From from{};
  /// Scheduler B to sample along.
  To to{};

  /// (t_r, t_r', s_r, s_r') at one r.
  struct Value {
    T t;   ///< t_r, the time of the source path
    T dt;  ///< dt_r / dr
    T s;   ///< s_r
    T ds;  ///< ds_r / dr
  };

  /// t_r, s_r and their derivatives at r (inside [0, 1)).
  KOKKOS_FUNCTION Value operator()(T r) const {
    const SchedulerValue<T> b = to(r);
    const T t = from.snr_inverse(b.alpha / b.sigma);
    const SchedulerValue<T> a = from(t);
    const bool by_sigma = a.sigma >= a.alpha;
    const T s = by_sigma ? b.sigma / a.sigma : b.alpha / a.alpha;
    const T db = b.d_alpha * b.sigma - b.alpha * b.d_sigma;
    const T da = a.d_alpha * a.sigma - a.alpha * a.d_sigma;
    const T dt = db / (da * s * s);
    const T ds = by_sigma ? (b.d_sigma - s * a.d_sigma * dt) / a.sigma : (b.d_alpha - s * a.d_alpha * dt) / a.alpha;
    return {t, dt, s, ds};
  }
};

/// A BatchedField u^B built from a field F trained along scheduler From, sampled along
/// scheduler To (ScheduleTransform's formula). Also forwards exact Jacobian-vector
/// products and divergence when F has them:
///
///   J^B v = (s'/s) v + t' J^A(x / s) v,   div u^B = d s'/s + t' div u^A(x / s).
///
/// Keeps workspace (times, scaled points, coefficients): one call at a time.
template <class F, Scheduler From, Scheduler To>
class ScheduleTransformedField {
 public:
  /// Scalar type.
  using value_type = typename F::value_type;
  /// Execution space of the evaluations.
  using execution_space = typename F::execution_space;
  /// Memory space of its views.
  using memory_space = typename execution_space::memory_space;
  /// Short name of value_type.
  using T = value_type;

  ScheduleTransformedField() = default;
  /// Field `inner` trained along `from`, resampled along `to`.
  ScheduleTransformedField(F inner, From from, To to) : m_f(std::move(inner)), m_tr{from, to} {}

  /// Dimension d (the inner field's).
  int dim() const { return m_f.dim(); }
  /// The wrapped field.
  const F& inner() const { return m_f; }

  /// Batched velocity u^B: t (n), x and dx (n, d).
  template <class VT, class VX, class VDX>
  void operator()(const execution_space& space, const VT& t, const VX& x, const VDX& dx) const {
    const int n = static_cast<int>(x.extent(0));
    prepare(space, t, x);
    m_f(space, times(n), points(n), dx);
    finish(space, x, dx, BatchValues<T, memory_space>(), BatchScalars<T, memory_space>(), x);
  }
  /// Velocity and J^B v = (s'/s) v + t' J^A v; shapes (n, d).
  template <class VT, class VX, class VV, class VDX, class VJV>
  void jvp(const execution_space& space, const VT& t, const VX& x, const VV& v, const VDX& dx, const VJV& jv) const {
    const int n = static_cast<int>(x.extent(0));
    prepare(space, t, x);
    m_f.jvp(space, times(n), points(n), v, dx, jv);
    finish(space, x, dx, jv, BatchScalars<T, memory_space>(), v);
  }
  /// Velocity and divergence d s'/s + t' div^A; div (n).
  template <class VT, class VX, class VDX, class VDIV>
  void divergence(const execution_space& space, const VT& t, const VX& x, const VDX& dx, const VDIV& div) const {
    const int n = static_cast<int>(x.extent(0));
    prepare(space, t, x);
    m_f.divergence(space, times(n), points(n), dx, div);
    finish(space, x, dx, BatchValues<T, memory_space>(), div, x);
  }

  // Public for device lambdas (CUDA forbids them in private members); not part of the API.
  /// Internal step of the evaluations (public only for device lambdas): rescaled inputs.
  template <class VT, class VX>
  void prepare(const execution_space& space, const VT& t, const VX& x) const {
    const std::size_t n = x.extent(0);
    const int d = dim();
    if (m_t.extent(0) < n) {
      m_t = Kokkos::View<T*, memory_space>("odeflow::ScheduleTransformedField::t", n);
      m_x = Kokkos::View<T**, Kokkos::LayoutRight, memory_space>("odeflow::ScheduleTransformedField::x", n, d);
      m_c = Kokkos::View<T* [3], Kokkos::LayoutRight, memory_space>("odeflow::ScheduleTransformedField::coef", n);
    }
    const auto tr = m_tr;
    auto mt = m_t;
    auto mx = m_x;
    auto mc = m_c;
    Kokkos::parallel_for(
        "odeflow::ScheduleTransformedField::prepare", Kokkos::RangePolicy<execution_space>(space, 0, n),
        KOKKOS_LAMBDA(std::size_t i) {
          const auto v = tr(t(i));
          mt(i) = v.t;
          for (int k = 0; k < d; ++k) mx(i, k) = x(i, k) / v.s;
          mc(i, 0) = v.ds / v.s;     // coefficient of x (and of v in J v)
          mc(i, 1) = v.s * v.dt;     // coefficient of u^A
          mc(i, 2) = v.dt;           // coefficient of J^A v and div^A
        });
  }
  /// Internal step of the evaluations (public only for device lambdas): combines the inner results.
  template <class VX, class VDX, class VJV, class VDIV, class VV>
  void finish(const execution_space& space, const VX& x, const VDX& dx, const VJV& jv, const VDIV& div,
              const VV& v) const {
    const std::size_t n = x.extent(0);
    const int d = dim();
    auto mc = m_c;
    const bool has_jv = jv.extent(0) == n && n > 0, has_div = div.extent(0) == n && n > 0;
    Kokkos::parallel_for(
        "odeflow::ScheduleTransformedField::finish", Kokkos::RangePolicy<execution_space>(space, 0, n),
        KOKKOS_LAMBDA(std::size_t i) {
          for (int k = 0; k < d; ++k) dx(i, k) = mc(i, 0) * x(i, k) + mc(i, 1) * dx(i, k);
          if (has_jv)
            for (int k = 0; k < d; ++k) jv(i, k) = mc(i, 0) * v(i, k) + mc(i, 2) * jv(i, k);
          if (has_div) div(i) = T(d) * mc(i, 0) + mc(i, 2) * div(i);
        });
  }

 private:
  BatchTimes<T, memory_space> times(int n) const { return Kokkos::subview(m_t, Kokkos::pair<int, int>(0, n)); }
  BatchPoints<T, memory_space> points(int n) const {
    return Kokkos::subview(m_x, Kokkos::pair<int, int>(0, n), Kokkos::ALL);
  }

  F m_f{};
  ScheduleTransform<From, To> m_tr{};
  mutable Kokkos::View<T*, memory_space> m_t;
  mutable Kokkos::View<T**, Kokkos::LayoutRight, memory_space> m_x;
  mutable Kokkos::View<T* [3], Kokkos::LayoutRight, memory_space> m_c;
};

}  // namespace odeflow
