// Host adapter: a BatchedField seen as the single-trajectory field f(t, y, dy) of the solver core.
#pragma once

#include <odeflow/flows/batched_field.hpp>

#include <Kokkos_Core.hpp>

namespace odeflow {

/// Wraps a BatchedField for odeflow::integrate / odeflow::solve on the host: each call
/// f(t, y, dy) evaluates the batched field on one row (t, y) and copies the row back.
/// Host only (it fences the field's execution space after every call); the field's
/// per-row results are what a batched evaluation gives, bitwise. For many trajectories
/// the lockstep ensemble (one batched call per stage) is much faster.
template <BatchedField F>
class SingleTrajectoryField {
 public:
  /// Scalar type.
  using T = typename F::value_type;
  /// Memory space of the wrapped field.
  using memory_space = field_memory_space_t<F>;

  /// Wraps `f`; its evaluations run on `space`.
  explicit SingleTrajectoryField(const F& f, typename F::execution_space space = {})
      : m_f(&f), m_space(space), m_t("odeflow::SingleTrajectoryField::t", 1),
        m_x("odeflow::SingleTrajectoryField::x", 1, f.dim()), m_dx("odeflow::SingleTrajectoryField::dx", 1, f.dim()),
        m_ht(Kokkos::create_mirror_view(m_t)), m_hx(Kokkos::create_mirror_view(m_x)),
        m_hdx(Kokkos::create_mirror_view(m_dx)) {}

  /// dy = u_t(y); y and dy index components with [k], k < dim().
  template <class Y, class DY>
  void operator()(T t, const Y& y, DY& dy) const {
    const int d = m_f->dim();
    m_ht(0) = t;
    for (int k = 0; k < d; ++k) m_hx(0, k) = y[k];
    Kokkos::deep_copy(m_space, m_t, m_ht);
    Kokkos::deep_copy(m_space, m_x, m_hx);
    (*m_f)(m_space, BatchTimes<T, memory_space>(m_t), BatchPoints<T, memory_space>(m_x), m_dx);
    Kokkos::deep_copy(m_space, m_hdx, m_dx);
    m_space.fence();
    for (int k = 0; k < d; ++k) dy[k] = m_hdx(0, k);
  }

 private:
  const F* m_f;
  typename F::execution_space m_space;
  Kokkos::View<T*, memory_space> m_t;
  Kokkos::View<T**, Kokkos::LayoutRight, memory_space> m_x, m_dx;
  typename Kokkos::View<T*, memory_space>::host_mirror_type m_ht;
  typename Kokkos::View<T**, Kokkos::LayoutRight, memory_space>::host_mirror_type m_hx, m_hdx;
};

}  // namespace odeflow
