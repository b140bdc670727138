// C API: sampling a loaded model, x1 = phi_{0 -> 1}(x0), by the lockstep flow solve (odeflow::sample).
#include "capi_model.hpp"

#include <odeflow/flows/mlp_flows.hpp>

#include <Kokkos_Core.hpp>

#include <mutex>

using odeflow::capi::checked_count;
using odeflow::capi::guarded;
using odeflow::capi::require;

extern "C" {

odeflow_status odeflow_model_sample(odeflow_model* model, const odeflow_solver* solver, int64_t n, const double* x0,
                                    double* x1, int32_t* status, int64_t* nfe) {
  return guarded("odeflow_model_sample", [&] {
    require(model, "model");
    require(solver, "solver");
    const int d = model->field.dim();
    const int nn = checked_count(n, d);
    if (nn > 0) {
      require(x0, "x0");
      require(x1, "x1");
    }
    odeflow::capi::require_initialized();
    odeflow::SampleOptions<double> opt;
    opt.solver = odeflow::capi::flow_options(*solver);
    // In place in one device array: the solve starts from x0's copy, rows with a NaN end
    // alone with Status::non_finite (per-row statuses, not an error of the call).
    const odeflow::capi::DeviceRows x("odeflow_c::sample::x", nn, d);
    Kokkos::deep_copy(x, odeflow::capi::ConstHostRows(x0, nn, d));
    odeflow::SampleResult<double, odeflow::capi::Exec::memory_space> r;
    {
      std::lock_guard lock(model->mutex);
      // The by-name solve compiled in odeflow_flows (mlp_flows.hpp): no method instantiated here.
      odeflow::capi::with_solver_context(
          *solver, [&] { r = odeflow::sample_mlp(odeflow::capi::Exec(), model->field, x, x, opt); });
    }
    Kokkos::deep_copy(odeflow::capi::HostRows(x1, nn, d), x);
    odeflow::capi::store_rows(r.stats, nn, status, nfe);
  });
}

}  // extern "C"
