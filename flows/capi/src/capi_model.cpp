// C API: MLP velocity fields loaded from safetensors checkpoints.
#include "capi_model.hpp"

#include <odeflow/flows/mlp_io.hpp>

#include <Kokkos_Core.hpp>

#include <climits>
#include <fstream>
#include <mutex>
#include <string>

using odeflow::capi::Error;
using odeflow::capi::guarded;
using odeflow::capi::require;

extern "C" {

odeflow_status odeflow_model_load(const char* path, odeflow_model** out) {
  return guarded("odeflow_model_load", [&] {
    require(path, "path");
    require(out, "out");
    odeflow::capi::require_initialized();
    if (!std::ifstream(path, std::ios::binary))
      throw Error(ODEFLOW_ERROR_IO, std::string("path = '") + path + "' cannot be opened for reading");
    *out = new odeflow_model(odeflow::load_mlp<double>(path));
  });
}

odeflow_status odeflow_model_destroy(odeflow_model* model) {
  if (!model) return ODEFLOW_SUCCESS;
  return guarded("odeflow_model_destroy", [&] {
    if (!Kokkos::is_initialized() || Kokkos::is_finalized())
      throw Error(ODEFLOW_ERROR_STATE, "Kokkos is already finalized; destroy models before the last odeflow_finalize");
    delete model;
  });
}

odeflow_status odeflow_model_dim(const odeflow_model* model, int32_t* dim) {
  return guarded("odeflow_model_dim", [&] {
    require(model, "model");
    require(dim, "dim");
    *dim = model->field.dim();
  });
}

odeflow_status odeflow_model_velocity(odeflow_model* model, int64_t n, const double* t, const double* x, double* v) {
  return guarded("odeflow_model_velocity", [&] {
    require(model, "model");
    if (n < 0 || n > INT_MAX / 64)
      throw Error(ODEFLOW_ERROR_INVALID_ARGUMENT, "n = " + std::to_string(n) + " must be in [0, " + std::to_string(INT_MAX / 64) + "]");
    if (n == 0) return;
    require(t, "t");
    require(x, "x");
    require(v, "v");
    odeflow::capi::require_initialized();
    const int d = model->field.dim();
    for (int64_t i = 0; i < n; ++i) odeflow::validate_finite("t", i, t[i]);
    using Exec = Kokkos::DefaultExecutionSpace;
    using Mem = Exec::memory_space;
    using Host = Kokkos::HostSpace;
    using Un = Kokkos::MemoryUnmanaged;
    Kokkos::View<double*, Mem> td("odeflow_c::t", n);
    Kokkos::View<double**, Kokkos::LayoutRight, Mem> xd("odeflow_c::x", n, d), vd("odeflow_c::v", n, d);
    Kokkos::deep_copy(td, Kokkos::View<const double*, Host, Un>(t, n));
    Kokkos::deep_copy(xd, Kokkos::View<const double**, Kokkos::LayoutRight, Host, Un>(x, n, d));
    {
      std::lock_guard lock(model->mutex);
      model->field(Exec(), td, xd, vd);
    }
    Kokkos::deep_copy(Kokkos::View<double**, Kokkos::LayoutRight, Host, Un>(v, n, d), vd);
  });
}

}  // extern "C"
