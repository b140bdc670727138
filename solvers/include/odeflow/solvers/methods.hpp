// The registry of built-in methods: names, properties and a run-time choice by name that instantiates one kernel per method. Host only.
#pragma once

#include <odeflow/solvers/tableaus/bogacki_shampine32.hpp>
#include <odeflow/solvers/tableaus/cash_karp54.hpp>
#include <odeflow/solvers/tableaus/dormand_prince54.hpp>
#include <odeflow/solvers/tableaus/dormand_prince853.hpp>
#include <odeflow/solvers/tableaus/euler.hpp>
#include <odeflow/solvers/tableaus/explicit_midpoint.hpp>
#include <odeflow/solvers/tableaus/fehlberg45.hpp>
#include <odeflow/solvers/tableaus/heun2.hpp>
#include <odeflow/solvers/tableaus/heun_euler21.hpp>
#include <odeflow/solvers/tableaus/ralston2.hpp>
#include <odeflow/solvers/tableaus/runge_kutta4.hpp>
#include <odeflow/solvers/tableaus/runge_kutta4_three_eighths.hpp>
#include <odeflow/solvers/tableaus/tsitouras54.hpp>
#include <odeflow/solvers/tableaus/verner65.hpp>
#include <odeflow/solvers/tableaus/verner76.hpp>
#include <odeflow/solvers/validation.hpp>

#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace odeflow {

/// What the registry knows about one method: its name for command lines and
/// reports, and the tableau's constants.
struct MethodInfo {
  /// Name for command lines and reports.
  std::string_view name;
  int stages;          ///< function evaluations per step (FSAL stage not counted)
  /// Order p of the propagated solution.
  int order;
  int embedded_order;  ///< 0: fixed step only
  /// First-same-as-last: the last stage is reused.
  bool fsal;
  int dense_order;     ///< 0: no continuous extension
  int dense_extra;     ///< extra evaluations per step that interpolates
  /// Citation (paper and DOI).
  std::string_view source;
};

namespace detail {
template <template <class> class Tab>
struct Named {
  std::string_view name;
  std::string_view source;
};

// One entry per built-in method; the order is the order of listings.
inline constexpr auto method_table = std::make_tuple(
    Named<Euler>{"euler", "Euler (1768)"},
    Named<ExplicitMidpoint>{"midpoint", "Runge (1895), doi:10.1007/BF01446807"},
    Named<Heun2>{"heun2", "Heun (1900)"},
    Named<Ralston2>{"ralston2", "Ralston (1962), doi:10.1090/S0025-5718-1962-0150954-0"},
    Named<RungeKutta4>{"rk4", "Kutta (1901)"},
    Named<RungeKutta4ThreeEighths>{"rk4_38", "Kutta (1901), 3/8 rule"},
    Named<HeunEuler21>{"heun_euler", "Heun (1900) with Euler as embedded method"},
    Named<BogackiShampine32>{"bosh3", "Bogacki, Shampine (1989), doi:10.1016/0893-9659(89)90079-7"},
    Named<Fehlberg45>{"rkf45", "Fehlberg (1970), doi:10.1007/BF02241732"},
    Named<CashKarp54>{"cash_karp", "Cash, Karp (1990), doi:10.1145/79505.79507"},
    Named<DormandPrince54>{"dopri5", "Dormand, Prince (1980), doi:10.1016/0771-050X(80)90013-3"},
    Named<Tsitouras54>{"tsit5", "Tsitouras (2011), doi:10.1016/j.camwa.2011.06.002"},
    Named<Verner65>{"vern6", "Verner (2010), doi:10.1007/s11075-009-9290-3"},
    Named<DormandPrince853>{"dop853", "Hairer, Norsett, Wanner (1993), doi:10.1007/978-3-540-78862-1"},
    Named<Verner76>{"vern7", "Verner (2010), doi:10.1007/s11075-009-9290-3"});

template <template <class> class Tab>
MethodInfo info_of(const Named<Tab>& e) {
  using X = Tab<double>;
  const int extra = X::num_dense_stages > X::num_stages ? X::num_dense_stages - X::num_stages : 0;
  return MethodInfo{e.name,          X::fsal ? X::num_stages - 1 : X::num_stages,
                    X::order,        X::embedded_order,
                    X::fsal,         X::dense_order,
                    extra,           e.source};
}
}  // namespace detail

/// Every built-in method, in listing order.
inline std::vector<MethodInfo> methods() {
  std::vector<MethodInfo> out;
  std::apply([&](const auto&... e) { (out.push_back(detail::info_of(e)), ...); }, detail::method_table);
  return out;
}

/// The names of the built-in methods, comma-separated (for messages and help).
inline std::string method_names() {
  std::string s;
  for (const auto& m : methods()) s += (s.empty() ? "" : ", ") + std::string(m.name);
  return s;
}

/// Calls fn(Tab<T>{}) for the method called `name` ("dopri5", "tsit5", ...): the one
/// place where a run-time choice becomes a type, instantiating fn once per method.
/// Throws InvalidArgument naming the unknown method and listing the known ones.
template <class T, class Fn>
decltype(auto) visit_method(std::string_view name, Fn&& fn) {
  bool found = false;
  std::apply(
      [&](const auto&... e) {
        (([&] {
           if (!found && e.name == name) {
             found = true;
             using E = std::remove_cvref_t<decltype(e)>;
             [&]<template <class> class Tab>(const detail::Named<Tab>&) { fn(Tab<T>{}); }(E{});
           }
         }()),
         ...);
      },
      detail::method_table);
  if (!found)
    throw InvalidArgument("method = '" + std::string(name) + "' is not a known method (known: " +
                          method_names() + ")");
}

}  // namespace odeflow
