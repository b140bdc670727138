// C API: errors, version, Kokkos initialisation, solver handles and the method list.
#include "capi_detail.hpp"

#include <odeflow/flows/format_error.hpp>
#include <odeflow/solvers/default_options.hpp>
#include <odeflow/solvers/methods.hpp>
#include <odeflow/solvers/status.hpp>
#include <odeflow/solvers/validation.hpp>

#include <Kokkos_Core.hpp>

#include <cmath>
#include <mutex>
#include <new>
#include <string>

namespace odeflow::capi {

namespace {
thread_local std::string last_error;

std::mutex init_mutex;
int init_count = 0;          // successful odeflow_initialize calls not yet finalized
bool owns_kokkos = false;    // odeflow called Kokkos::initialize
}  // namespace

std::atomic<long> live_kokkos_handles{0};

odeflow_status fail(const char* fn, odeflow_status code, std::string_view message) noexcept {
  try {
    last_error.assign(fn);
    last_error += ": ";
    last_error += message;
  } catch (...) {
    last_error.clear();  // out of memory for the message itself: the status still tells
  }
  return code;
}

odeflow_status guard(const char* fn, void (*body)(void*), void* ctx) noexcept {
  try {
    body(ctx);
    return ODEFLOW_SUCCESS;
  } catch (const Error& e) {
    return fail(fn, e.code, e.message);
  } catch (const odeflow::InvalidArgument& e) {
    return fail(fn, ODEFLOW_ERROR_INVALID_ARGUMENT, e.what());
  } catch (const odeflow::FormatError& e) {
    return fail(fn, ODEFLOW_ERROR_FORMAT, e.what());
  } catch (const std::bad_alloc&) {
    return fail(fn, ODEFLOW_ERROR_OUT_OF_MEMORY, "out of memory");
  } catch (const std::exception& e) {
    return fail(fn, ODEFLOW_ERROR_INTERNAL, e.what());
  } catch (...) {
    return fail(fn, ODEFLOW_ERROR_INTERNAL, "unknown exception");
  }
}

void require_initialized() {
  if (!Kokkos::is_initialized() || Kokkos::is_finalized())
    throw Error(ODEFLOW_ERROR_NOT_INITIALIZED,
                "Kokkos is not initialised: call odeflow_initialize() first");
}

}  // namespace odeflow::capi

using odeflow::capi::Error;
using odeflow::capi::guarded;
using odeflow::capi::require;

extern "C" {

void odeflow_version(int32_t* major, int32_t* minor, int32_t* patch) {
  if (major) *major = ODEFLOW_VERSION_MAJOR;
  if (minor) *minor = ODEFLOW_VERSION_MINOR;
  if (patch) *patch = ODEFLOW_VERSION_PATCH;
}

const char* odeflow_version_string(void) {
#define ODEFLOW_STR2(x) #x
#define ODEFLOW_STR(x) ODEFLOW_STR2(x)
  return ODEFLOW_STR(ODEFLOW_VERSION_MAJOR) "." ODEFLOW_STR(ODEFLOW_VERSION_MINOR) "." ODEFLOW_STR(ODEFLOW_VERSION_PATCH);
#undef ODEFLOW_STR
#undef ODEFLOW_STR2
}

int32_t odeflow_abi_version(void) { return ODEFLOW_C_ABI_VERSION; }

const char* odeflow_status_name(odeflow_status s) {
  switch (s) {
    case ODEFLOW_SUCCESS: return "ODEFLOW_SUCCESS";
    case ODEFLOW_ERROR_INVALID_ARGUMENT: return "ODEFLOW_ERROR_INVALID_ARGUMENT";
    case ODEFLOW_ERROR_NULL_POINTER: return "ODEFLOW_ERROR_NULL_POINTER";
    case ODEFLOW_ERROR_NOT_INITIALIZED: return "ODEFLOW_ERROR_NOT_INITIALIZED";
    case ODEFLOW_ERROR_STATE: return "ODEFLOW_ERROR_STATE";
    case ODEFLOW_ERROR_IO: return "ODEFLOW_ERROR_IO";
    case ODEFLOW_ERROR_FORMAT: return "ODEFLOW_ERROR_FORMAT";
    case ODEFLOW_ERROR_OUT_OF_MEMORY: return "ODEFLOW_ERROR_OUT_OF_MEMORY";
    case ODEFLOW_ERROR_INTERNAL: return "ODEFLOW_ERROR_INTERNAL";
  }
  return "unknown";
}

const char* odeflow_trajectory_status_name(int32_t status) {
  if (status < 0 || status >= odeflow::num_statuses) return "unknown";
  return odeflow::status_name(static_cast<odeflow::Status>(status));
}

const char* odeflow_last_error_message(void) { return odeflow::capi::last_error.c_str(); }

odeflow_status odeflow_initialize(int32_t num_threads) {
  return guarded("odeflow_initialize", [&] {
    if (num_threads < 0)
      throw Error(ODEFLOW_ERROR_INVALID_ARGUMENT,
                  "num_threads = " + std::to_string(num_threads) + " must be >= 0 (0: Kokkos' default)");
    std::lock_guard lock(odeflow::capi::init_mutex);
    if (Kokkos::is_finalized())
      throw Error(ODEFLOW_ERROR_STATE, "Kokkos was finalized in this process and cannot be initialised again");
    if (odeflow::capi::init_count == 0) {
      if (Kokkos::is_initialized()) {
        odeflow::capi::owns_kokkos = false;  // the program's own Kokkos: use it, never finalize it
      } else {
        Kokkos::InitializationSettings settings;
        if (num_threads > 0) settings.set_num_threads(num_threads);
        Kokkos::initialize(settings);
        odeflow::capi::owns_kokkos = true;
      }
    }
    ++odeflow::capi::init_count;
  });
}

odeflow_status odeflow_finalize(void) {
  return guarded("odeflow_finalize", [&] {
    std::lock_guard lock(odeflow::capi::init_mutex);
    if (odeflow::capi::init_count == 0)
      throw Error(ODEFLOW_ERROR_STATE, "odeflow_initialize() was not called (or every call was already finalized)");
    if (odeflow::capi::init_count == 1 && odeflow::capi::live_kokkos_handles.load() > 0)
      throw Error(ODEFLOW_ERROR_STATE, std::to_string(odeflow::capi::live_kokkos_handles.load()) +
                                           " model handle(s) still alive: destroy them before the last finalize");
    --odeflow::capi::init_count;
    if (odeflow::capi::init_count == 0 && odeflow::capi::owns_kokkos) {
      Kokkos::finalize();
      odeflow::capi::owns_kokkos = false;
    }
  });
}

int32_t odeflow_is_initialized(void) { return Kokkos::is_initialized() && !Kokkos::is_finalized() ? 1 : 0; }

odeflow_status odeflow_execution_space(const char** name, int32_t* concurrency) {
  return guarded("odeflow_execution_space", [&] {
    require(name, "name");
    require(concurrency, "concurrency");
    odeflow::capi::require_initialized();
    *name = Kokkos::DefaultExecutionSpace::name();
    *concurrency = Kokkos::DefaultExecutionSpace().concurrency();
  });
}

odeflow_status odeflow_solver_create(const char* method, odeflow_solver** out) {
  return guarded("odeflow_solver_create", [&] {
    require(method, "method");
    require(out, "out");
    auto s = std::make_unique<odeflow_solver>();
    const std::string_view name(method);
    odeflow::visit_method<double>(name, [&](auto tab) {  // InvalidArgument lists the known names
      s->options = odeflow::default_options<decltype(tab)>();
    });
    for (const auto& m : odeflow::methods())
      if (m.name == name) s->method = m.name;
    *out = s.release();
  });
}

odeflow_status odeflow_solver_destroy(odeflow_solver* solver) {
  delete solver;
  return ODEFLOW_SUCCESS;
}

namespace {
void check_nonneg(const char* name, double v) {
  if (!std::isfinite(v) || v < 0)
    throw Error(ODEFLOW_ERROR_INVALID_ARGUMENT,
                std::string(name) + " = " + odeflow::detail::fmt(v) + " must be finite and >= 0");
}
}  // namespace

odeflow_status odeflow_solver_set_tolerances(odeflow_solver* solver, double rtol, double atol) {
  return guarded("odeflow_solver_set_tolerances", [&] {
    require(solver, "solver");
    check_nonneg("rtol", rtol);
    check_nonneg("atol", atol);
    solver->options.norm.rtol = rtol;
    solver->options.norm.atol = atol;
  });
}

odeflow_status odeflow_solver_set_fixed_step(odeflow_solver* solver, double dt) {
  return guarded("odeflow_solver_set_fixed_step", [&] {
    require(solver, "solver");
    check_nonneg("dt", dt);
    solver->options.dt = dt;
  });
}

odeflow_status odeflow_solver_set_initial_step(odeflow_solver* solver, double dt0) {
  return guarded("odeflow_solver_set_initial_step", [&] {
    require(solver, "solver");
    check_nonneg("dt0", dt0);
    solver->options.dt0 = dt0;
  });
}

odeflow_status odeflow_solver_set_step_bounds(odeflow_solver* solver, double dt_min, double dt_max) {
  return guarded("odeflow_solver_set_step_bounds", [&] {
    require(solver, "solver");
    check_nonneg("dt_min", dt_min);
    check_nonneg("dt_max", dt_max);
    if (dt_max > 0 && dt_min > dt_max)
      throw Error(ODEFLOW_ERROR_INVALID_ARGUMENT, "dt_min = " + odeflow::detail::fmt(dt_min) +
                                                      " exceeds dt_max = " + odeflow::detail::fmt(dt_max));
    solver->options.dt_min = dt_min;
    solver->options.dt_max = dt_max;
  });
}

odeflow_status odeflow_solver_set_max_steps(odeflow_solver* solver, int32_t max_steps) {
  return guarded("odeflow_solver_set_max_steps", [&] {
    require(solver, "solver");
    if (max_steps <= 0)
      throw Error(ODEFLOW_ERROR_INVALID_ARGUMENT, "max_steps = " + std::to_string(max_steps) + " must be > 0");
    solver->options.max_steps = max_steps;
  });
}

odeflow_status odeflow_solver_set_serial_callbacks(odeflow_solver* solver, int32_t serial) {
  return guarded("odeflow_solver_set_serial_callbacks", [&] {
    require(solver, "solver");
    if (serial != 0 && serial != 1)
      throw Error(ODEFLOW_ERROR_INVALID_ARGUMENT, "serial = " + std::to_string(serial) + " must be 0 or 1");
    solver->serial_callbacks = serial == 1;
  });
}

odeflow_status odeflow_solver_method(const odeflow_solver* solver, const char** name) {
  return guarded("odeflow_solver_method", [&] {
    require(solver, "solver");
    require(name, "name");
    *name = solver->method.data();  // the registry's names are string literals (NUL-terminated)
  });
}

int32_t odeflow_method_count(void) { return static_cast<int32_t>(std::tuple_size_v<decltype(odeflow::detail::method_table)>); }

odeflow_status odeflow_method_name(int32_t i, const char** name) {
  return guarded("odeflow_method_name", [&] {
    require(name, "name");
    const int32_t n = odeflow_method_count();
    if (i < 0 || i >= n)
      throw Error(ODEFLOW_ERROR_INVALID_ARGUMENT,
                  "i = " + std::to_string(i) + " is outside [0, " + std::to_string(n) + ")");
    *name = odeflow::methods()[static_cast<std::size_t>(i)].name.data();
  });
}

}  // extern "C"
