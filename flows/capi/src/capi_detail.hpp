// Internals of the C API: the exception-to-status boundary, the handles' definitions, argument checks.
#pragma once

#include <odeflow/odeflow.h>
#include <odeflow/solvers/solve_options.hpp>

#include <odeflow/solvers/statistics.hpp>

#include <atomic>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>

namespace odeflow::capi {

/// A failure with its C status; thrown inside the API, caught at its boundary.
struct Error : std::exception {
  odeflow_status code;
  std::string message;
  Error(odeflow_status c, std::string m) : code(c), message(std::move(m)) {}
  const char* what() const noexcept override { return message.c_str(); }
};

/// Stores "fn: message" as this thread's last error and returns `code`.
odeflow_status fail(const char* fn, odeflow_status code, std::string_view message) noexcept;

/// Runs body(), turning every exception into a status and a message prefixed by `fn`:
/// no exception ever crosses the C boundary.
odeflow_status guard(const char* fn, void (*body)(void*), void* ctx) noexcept;

template <class Body>
odeflow_status guarded(const char* fn, Body&& body) noexcept {
  return guard(fn, [](void* p) { (*static_cast<Body*>(p))(); }, &body);
}

/// Throws NULL_POINTER naming `name` if p is NULL.
inline void require(const void* p, const char* name) {
  if (!p) throw Error(ODEFLOW_ERROR_NULL_POINTER, std::string(name) + " is NULL");
}
/// Throws NOT_INITIALIZED unless Kokkos is initialised (and not finalized).
void require_initialized();

/// n in [0, INT_MAX] (the ensembles index trajectories with int) and n * dim representable.
inline int checked_count(int64_t n, int64_t dim) {
  if (n < 0 || n > INT_MAX)
    throw Error(ODEFLOW_ERROR_INVALID_ARGUMENT, "n = " + std::to_string(n) + " must be in [0, " + std::to_string(INT_MAX) + "]");
  if (dim <= 0 || dim > INT_MAX / 64)
    throw Error(ODEFLOW_ERROR_INVALID_ARGUMENT, "dim = " + std::to_string(dim) + " must be positive");
  if (n > 0 && dim > static_cast<int64_t>(PTRDIFF_MAX / 8) / n)
    throw Error(ODEFLOW_ERROR_INVALID_ARGUMENT, "n * dim = " + std::to_string(n) + " * " + std::to_string(dim) + " is too large");
  return static_cast<int>(n);
}

inline void store(const odeflow::Statistics<double>& s, odeflow_trajectory_stats& o) {
  o.status = static_cast<int32_t>(s.status);
  o.nfe = s.nfe;
  o.accepted = s.accepted;
  o.rejected = s.rejected;
  o.t = s.t;
  o.dt_last = s.dt_last;
}

/// Handles that own Kokkos memory, alive now (odeflow_finalize refuses while > 0).
extern std::atomic<long> live_kokkos_handles;

}  // namespace odeflow::capi

/// A method's name and its options, validated when set.
struct odeflow_solver {
  std::string_view method;  ///< points into odeflow's static method table
  odeflow::SolveOptions<double> options;
  bool serial_callbacks = false;
};
