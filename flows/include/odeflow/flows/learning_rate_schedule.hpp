// Learning-rate schedules: constant, linear warm-up, then constant, cosine or linear decay.
#pragma once

#include <algorithm>
#include <cmath>
#include <numbers>

namespace odeflow {

/// lr(k) for step k = 0, 1, ...: base (k + 1) / warmup during the first `warmup` steps, then
/// base f(p) with p = (k - warmup) / (total - warmup) clamped to [0, 1] and
///
/// | decay    | f(p)                                    |
/// |----------|-----------------------------------------|
/// | constant | 1                                       |
/// | cosine   | r + (1 - r) (1 + cos(pi p)) / 2         |
/// | linear   | 1 - (1 - r) p                           |
///
/// where r = final_fraction (the ratio of the last rate to the base rate).
struct LearningRateSchedule {
  enum class Decay { constant, cosine, linear };
  double base = 1e-3;
  int warmup = 0;
  Decay decay = Decay::constant;
  int total = 0;
  double final_fraction = 0.0;

  double operator()(int k) const {
    if (k < warmup) return base * (k + 1) / warmup;
    if (decay == Decay::constant || total <= warmup) return base;
    const double p = std::clamp(static_cast<double>(k - warmup) / (total - warmup), 0.0, 1.0);
    const double r = final_fraction;
    if (decay == Decay::cosine) return base * (r + (1 - r) * 0.5 * (1 + std::cos(std::numbers::pi * p)));
    return base * (1 - (1 - r) * p);
  }
};

}  // namespace odeflow
