// C API: log-likelihood of data under a loaded model, exact or Hutchinson divergence, standard normal source (odeflow::log_likelihood).
#include "capi_model.hpp"

#include <odeflow/flows/divergence_estimator.hpp>
#include <odeflow/flows/log_likelihood.hpp>
#include <odeflow/flows/mlp_flows.hpp>
#include <odeflow/flows/source_distribution.hpp>

#include <Kokkos_Core.hpp>

#include <mutex>
#include <string>

using odeflow::capi::checked_count;
using odeflow::capi::Error;
using odeflow::capi::guarded;
using odeflow::capi::require;

namespace {

/// The body of both likelihood calls (the by-name solve compiled in odeflow_flows, mlp_flows.hpp):
/// log p1(x1) under p0 = N(0, I_d), backwards from t = 1 to 0.
void likelihood(odeflow_model* model, const odeflow_solver* solver, int64_t n, const double* x1,
                const odeflow::DivergenceEstimator& divergence, uint64_t index_offset, double* log_p,
                double* log_p_stderr, int32_t* status, int64_t* nfe) {
  require(model, "model");
  require(solver, "solver");
  const int d = model->field.dim();
  const bool hutchinson = divergence.kind == odeflow::DivergenceEstimator::Kind::hutchinson;
  // The augmented state of a row: x, its L log-density components and, for Hutchinson, K probes.
  const int64_t probes = hutchinson ? divergence.probes : 0;
  if (probes > (1 << 20) / (d + 1))
    throw Error(ODEFLOW_ERROR_INVALID_ARGUMENT, "probes = " + std::to_string(probes) + " is too many for d = " +
                                                    std::to_string(d) + " (at most " +
                                                    std::to_string((1 << 20) / (d + 1)) + ")");
  const int nn = checked_count(n, d + divergence.log_density_components() + probes * d);
  if (nn > 0) {
    require(x1, "x1");
    require(log_p, "log_p");
  }
  odeflow::capi::require_initialized();
  odeflow::LikelihoodOptions<double> opt;
  opt.solver = odeflow::capi::flow_options(*solver);
  opt.divergence = divergence;
  opt.index_offset = index_offset;
  const odeflow::capi::DeviceRows x("odeflow_c::likelihood::x1", nn, d);
  Kokkos::deep_copy(x, odeflow::capi::ConstHostRows(x1, nn, d));
  const odeflow::StandardNormal<double> source{d};
  odeflow::LikelihoodResult<double, odeflow::capi::Exec::memory_space> r;
  {
    std::lock_guard lock(model->mutex);
    odeflow::capi::with_solver_context(
        *solver, [&] { r = odeflow::log_likelihood_mlp(odeflow::capi::Exec(), model->field, source, x, opt); });
  }
  using HostVector = Kokkos::View<double*, Kokkos::HostSpace, Kokkos::MemoryUnmanaged>;
  Kokkos::deep_copy(HostVector(log_p, nn), r.log_p);
  if (log_p_stderr) Kokkos::deep_copy(HostVector(log_p_stderr, nn), r.log_p_stderr);
  odeflow::capi::store_rows(r.stats, nn, status, nfe);
}

}  // namespace

extern "C" {

odeflow_status odeflow_model_log_likelihood(odeflow_model* model, const odeflow_solver* solver, int64_t n,
                                            const double* x1, double* log_p, int32_t* status, int64_t* nfe) {
  return guarded("odeflow_model_log_likelihood", [&] {
    likelihood(model, solver, n, x1, odeflow::DivergenceEstimator::exact(), 0, log_p, nullptr, status, nfe);
  });
}

odeflow_status odeflow_model_log_likelihood_hutchinson(odeflow_model* model, const odeflow_solver* solver, int64_t n,
                                                       const double* x1, int32_t probes, int32_t probe_kind,
                                                       uint64_t seed, uint64_t index_offset, double* log_p,
                                                       double* log_p_stderr, int32_t* status, int64_t* nfe) {
  return guarded("odeflow_model_log_likelihood_hutchinson", [&] {
    if (probes < 1)
      throw Error(ODEFLOW_ERROR_INVALID_ARGUMENT, "probes = " + std::to_string(probes) + " must be >= 1");
    if (probe_kind != ODEFLOW_PROBE_RADEMACHER && probe_kind != ODEFLOW_PROBE_GAUSSIAN)
      throw Error(ODEFLOW_ERROR_INVALID_ARGUMENT,
                  "probe_kind = " + std::to_string(probe_kind) +
                      " must be ODEFLOW_PROBE_RADEMACHER (0) or ODEFLOW_PROBE_GAUSSIAN (1)");
    const auto kind = probe_kind == ODEFLOW_PROBE_GAUSSIAN ? odeflow::ProbeKind::gaussian : odeflow::ProbeKind::rademacher;
    likelihood(model, solver, n, x1, odeflow::DivergenceEstimator::hutchinson(probes, kind, seed), index_offset, log_p,
               log_p_stderr, status, nfe);
  });
}

}  // extern "C"
