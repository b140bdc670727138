// Adapter that runs a system written for Boost.Odeint, sys(x, dxdt, t), as an odeflow vector field. Host only.
#pragma once

#include <cstddef>

namespace odeflow {

/// Wraps a Boost.Odeint system `sys(const State& x, State& dxdt, T t)` as an
/// odeflow field `f(t, y, dydt)`. `State` is any resizable or fixed-size
/// container with `operator[]` (std::array, std::vector, boost::array ...);
/// each call copies the state in and the derivative out. Host only: odeint
/// systems are host code.
template <class State, class Sys>
struct OdeintSystem {
  /// The odeflow field f(t, y, dydt).
  Sys sys;
  /// State dimension.
  int dim;

  /// odeint's system signature: dydt = f(t, y).
  template <class T, class Y, class DY>
  void operator()(T t, const Y& y, DY& dydt) const {
    State x = make();
    State dx = make();
    for (int k = 0; k < dim; ++k) x[k] = y[k];
    sys(x, dx, t);
    for (int k = 0; k < dim; ++k) dydt[k] = dx[k];
  }

 private:
  State make() const {
    if constexpr (requires(State s) { s.resize(std::size_t{}); }) {
      State s;
      s.resize(static_cast<std::size_t>(dim));
      return s;
    } else {
      return State{};
    }
  }
};

/// Makes an OdeintSystem for state type State and dimension dim.
template <class State, class Sys>
OdeintSystem<State, Sys> from_odeint(Sys sys, int dim) {
  return OdeintSystem<State, Sys>{sys, dim};
}

}  // namespace odeflow
