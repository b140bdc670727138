// Per-trajectory solve statistics: function evaluations, steps, last step size, final time, status.
#pragma once

#include <odeflow/solvers/status.hpp>

namespace odeflow {

/// What one trajectory's solve did. Filled by every solve, device or host.
template <class T>
struct Statistics {
  int nfe = 0;        ///< right-hand-side evaluations (initial-step estimate and dense stages included)
  int accepted = 0;   ///< accepted steps
  int rejected = 0;   ///< rejected step attempts
  T dt_last = T(0);   ///< the step size the solver would take next (signed)
  T t = T(0);         ///< time the returned state belongs to (the final time on success)
  /// How the solve ended.
  Status status = Status::success;
};

}  // namespace odeflow
