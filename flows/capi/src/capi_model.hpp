// Internals of the model calls: the model handle, a solver handle as flow-solver options, copies of per-row results.
#pragma once

#include "capi_detail.hpp"

#include <odeflow/flows/flow_solver_options.hpp>
#include <odeflow/flows/mlp_field.hpp>
#include <odeflow/solvers/statistics.hpp>
#include <odeflow/solvers/validation.hpp>

#include <Kokkos_Core.hpp>

#include <atomic>
#include <mutex>
#include <string>
#include <utility>

/// A loaded model: its field (with the workspace it grows) and a lock, since a field
/// serves one call at a time (velocity, sampling and likelihood calls all take it).
struct odeflow_model {
  odeflow::MlpField<double> field;
  std::mutex mutex;
  explicit odeflow_model(odeflow::Mlp<double> mlp) : field(std::move(mlp)) { ++odeflow::capi::live_kokkos_handles; }
  ~odeflow_model() { --odeflow::capi::live_kokkos_handles; }
  odeflow_model(const odeflow_model&) = delete;
  odeflow_model& operator=(const odeflow_model&) = delete;
};

namespace odeflow::capi {

using Exec = Kokkos::DefaultExecutionSpace;
/// (n, d) rows in the default memory space, as the flow solves take them.
using DeviceRows = Kokkos::View<double**, Kokkos::LayoutRight, Exec::memory_space>;
/// The caller's (n, d) row-major host arrays.
using HostRows = Kokkos::View<double**, Kokkos::LayoutRight, Kokkos::HostSpace, Kokkos::MemoryUnmanaged>;
using ConstHostRows = Kokkos::View<const double**, Kokkos::LayoutRight, Kokkos::HostSpace, Kokkos::MemoryUnmanaged>;

/// The solver handle's settings as FlowSolverOptions. The handle's SolveOptions started from
/// default_options<Tab>() of its method, and to_solve_options<Tab>() starts from the same, so
/// the solve runs with exactly the handle's options (its rtol/atol defaults 1e-6/1e-9, not
/// FlowSolverOptions' 1e-5/1e-5); per-sample lockstep steps with the default batch bound.
inline FlowSolverOptions<double> flow_options(const odeflow_solver& s) {
  FlowSolverOptions<double> o;
  o.method = std::string(s.method);
  o.rtol = s.options.norm.rtol;
  o.atol = s.options.norm.atol;
  o.norm = s.options.norm.kind;
  o.controller = s.options.controller;
  o.dt0 = s.options.dt0;
  o.dt = s.options.dt;
  o.dt_min = s.options.dt_min;
  o.dt_max = s.options.dt_max;
  o.max_steps = s.options.max_steps;
  return o;
}

/// Runs a flow solve, naming the solver handle in its InvalidArgument messages: the arrays
/// are built here with the right shapes, so what the solve rejects is the handle's options
/// ("solver (method rk4): dt = 0: this method has no error estimate; ...").
template <class Solve>
void with_solver_context(const odeflow_solver& s, Solve&& solve) {
  try {
    solve();
  } catch (const odeflow::InvalidArgument& e) {
    throw Error(ODEFLOW_ERROR_INVALID_ARGUMENT, "solver (method " + std::string(s.method) + "): " + e.what());
  }
}

/// status[i] and nfe[i] (each may be NULL) from per-row statistics in device memory.
template <class StatsView>
void store_rows(const StatsView& stats, int n, int32_t* status, int64_t* nfe) {
  if (!status && !nfe) return;
  const auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), stats);
  for (int i = 0; i < n; ++i) {
    if (status) status[i] = static_cast<int32_t>(h(i).status);
    if (nfe) nfe[i] = h(i).nfe;
  }
}

}  // namespace odeflow::capi
