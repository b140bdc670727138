// Host convenience solve of one trajectory whose state is an Eigen column vector (fixed or dynamic size).
#pragma once

#include <odeflow/solvers/solve.hpp>

#include <Eigen/Core>

namespace odeflow {

/// Solves y' = f(t, y), y(t0) = y0 on the host with tableau Tab for an Eigen
/// column vector (`Eigen::Matrix<T, N, 1>`, N fixed or `Eigen::Dynamic`), saving at
/// `t_save` if given. The field sees `y[k]`/`dydt[k]` as for every odeflow solve.
/// Returns the state as the same Eigen type, the saved states and the statistics;
/// throws InvalidArgument on bad input (see solve()).
template <class Tab, class F, class T, int N>
SolveResult<Eigen::Matrix<T, N, 1>, T> solve(const Tab& tab, const F& f, const Eigen::Matrix<T, N, 1>& y0,
                                              T t0, T t1,
                                              const SolveOptions<T>& opt = default_options<Tab>(),
                                              std::span<const T> t_save = {}) {
  const std::vector<T> v(y0.data(), y0.data() + y0.size());
  auto r = solve(tab, f, v, t0, t1, opt, t_save);
  SolveResult<Eigen::Matrix<T, N, 1>, T> out;
  out.y = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, 1>>(r.y.data(), y0.size());
  for (const auto& row : r.saved)
    out.saved.push_back(Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, 1>>(row.data(), y0.size()));
  out.stats = r.stats;
  return out;
}

}  // namespace odeflow
