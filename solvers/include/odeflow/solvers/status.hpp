// Status codes that end a trajectory's integration, and their names.
#pragma once

#include <Kokkos_Macros.hpp>

namespace odeflow {

/// How a trajectory's integration ended. Returned by every solve; no exception
/// or message is reachable from a kernel.
enum class Status : int {
  success = 0,            ///< reached the final time
  max_steps_reached = 1,  ///< attempted steps (accepted + rejected) hit `max_steps`
  dt_underflow = 2,       ///< the step size fell below `dt_min` or below what changes t
  non_finite = 3,         ///< NaN or Inf in the state or the derivative
  invalid_argument = 4,   ///< options a device solve cannot run with (tolerances, step, times)
};

/// Number of distinct Status values (for per-status counts).
inline constexpr int num_statuses = 5;

/// The status' name as used in reports ("success", "max_steps_reached", ...). Host only.
constexpr const char* status_name(Status s) {
  switch (s) {
    case Status::success: return "success";
    case Status::max_steps_reached: return "max_steps_reached";
    case Status::dt_underflow: return "dt_underflow";
    case Status::non_finite: return "non_finite";
    case Status::invalid_argument: return "invalid_argument";
  }
  return "unknown";
}

}  // namespace odeflow
