// Host-side validation of solve inputs: typed exceptions that name the argument and its value.
#pragma once

#include <odeflow/solvers/solve_options.hpp>
#include <odeflow/solvers/tableau.hpp>

#include <cmath>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>

namespace odeflow {

/// Thrown by host entry points for input they cannot run with; the message names
/// the argument and the offending value.
class InvalidArgument : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

namespace detail {
template <class V>
std::string fmt(const V& v) {
  std::ostringstream os;
  os.precision(17);
  os << v;
  return os.str();
}
}  // namespace detail

/// Throws InvalidArgument("NAME[i] = v is not finite") unless v is finite (i < 0: no index).
template <class T>
void validate_finite(const char* name, long i, T v) {
  if (!std::isfinite(v)) {
    throw InvalidArgument(std::string(name) + (i >= 0 ? "[" + std::to_string(i) + "]" : "") +
                          " = " + detail::fmt(v) + " is not finite");
  }
}

/// Checks what integrate() needs: a positive dimension, finite initial state and
/// times, tolerances finite and non-negative with rtol + atol > 0 (adaptive runs),
/// step options finite and non-negative, max_steps > 0, an adaptive run only for
/// embedded methods, and save times finite, inside [t0, t1] and monotone in the
/// direction of integration. Adaptive runs also need a known norm kind, dt_min <= dt_max
/// (when dt_max is set) and controller parameters that are finite and in range (safety in
/// (0, 1], fac_min in (0, 1), fac_max >= 1, fac_min_accept in [0, fac_max], beta_reject,
/// hold_above and err_floor >= 0, err_init > 0).
template <class Tab, class T>
void validate_solve(const T* y0, int n, T t0, T t1, const SolveOptions<T>& opt,
                    std::span<const T> t_save) {
  if (n <= 0) throw InvalidArgument("dimension = " + std::to_string(n) + " must be positive");
  if (y0)
    for (int k = 0; k < n; ++k) validate_finite("y0", k, y0[k]);
  validate_finite("t0", -1, t0);
  validate_finite("t1", -1, t1);
  auto nonneg = [](const char* name, T v) {
    validate_finite(name, -1, v);
    if (v < T(0)) throw InvalidArgument(std::string(name) + " = " + detail::fmt(v) + " must be >= 0");
  };
  nonneg("dt", opt.dt);
  nonneg("dt0", opt.dt0);
  nonneg("dt_min", opt.dt_min);
  nonneg("dt_max", opt.dt_max);
  if (opt.max_steps <= 0)
    throw InvalidArgument("max_steps = " + std::to_string(opt.max_steps) + " must be positive");
  if (opt.dt == T(0)) {
    if constexpr (!is_embedded_v<Tab>) {
      throw InvalidArgument("dt = 0: this method has no error estimate; give a fixed step dt > 0");
    }
    nonneg("rtol", opt.norm.rtol);
    nonneg("atol", opt.norm.atol);
    if (opt.norm.rtol + opt.norm.atol <= T(0))
      throw InvalidArgument("rtol = 0 and atol = 0: at least one tolerance must be positive");
    if (opt.norm.kind != ErrorNormKind::rms && opt.norm.kind != ErrorNormKind::odeint_max)
      throw InvalidArgument("norm.kind = " + std::to_string(static_cast<int>(opt.norm.kind)) +
                            " is not rms (0) or odeint_max (1)");
    if (opt.dt_max > T(0) && opt.dt_min > opt.dt_max)
      throw InvalidArgument("dt_min = " + detail::fmt(opt.dt_min) + " exceeds dt_max = " + detail::fmt(opt.dt_max));
    // Controller parameters: finite, and in the ranges where every step-size factor is
    // positive and a rejected step shrinks (so no loop without progress beyond max_steps).
    const auto& c = opt.controller;
    auto in_range = [](const char* name, T v, bool ok, const char* range) {
      validate_finite(name, -1, v);
      if (!ok) throw InvalidArgument(std::string(name) + " = " + detail::fmt(v) + " must be " + range);
    };
    in_range("controller.beta1", c.beta1, true, "finite");
    in_range("controller.beta2", c.beta2, true, "finite");
    in_range("controller.beta3", c.beta3, true, "finite");
    in_range("controller.beta_reject", c.beta_reject, c.beta_reject >= T(0), ">= 0");
    in_range("controller.safety", c.safety, c.safety > T(0) && c.safety <= T(1), "in (0, 1]");
    in_range("controller.fac_min", c.fac_min, c.fac_min > T(0) && c.fac_min < T(1), "in (0, 1)");
    in_range("controller.fac_max", c.fac_max, c.fac_max >= T(1), ">= 1");
    in_range("controller.fac_min_accept", c.fac_min_accept, c.fac_min_accept >= T(0) && c.fac_min_accept <= c.fac_max,
             "in [0, fac_max]");
    in_range("controller.hold_above", c.hold_above, c.hold_above >= T(0), ">= 0");
    in_range("controller.err_floor", c.err_floor, c.err_floor >= T(0), ">= 0");
    in_range("controller.err_init", c.err_init, c.err_init > T(0), "> 0");
    if (opt.norm.components < 0)
      throw InvalidArgument("norm.components = " + std::to_string(opt.norm.components) + " must be >= 0");
  }
  const T dir = t1 >= t0 ? T(1) : T(-1);
  for (std::size_t j = 0; j < t_save.size(); ++j) {
    validate_finite("t_save", static_cast<long>(j), t_save[j]);
    if (dir * (t_save[j] - t0) < T(0) || dir * (t_save[j] - t1) > T(0))
      throw InvalidArgument("t_save[" + std::to_string(j) + "] = " + detail::fmt(t_save[j]) +
                            " lies outside [t0, t1] = [" + detail::fmt(t0) + ", " + detail::fmt(t1) + "]");
    if (j > 0 && dir * (t_save[j] - t_save[j - 1]) < T(0))
      throw InvalidArgument("t_save[" + std::to_string(j) + "] = " + detail::fmt(t_save[j]) +
                            " goes against the direction of integration after t_save[" +
                            std::to_string(j - 1) + "] = " + detail::fmt(t_save[j - 1]));
  }
}

}  // namespace odeflow
