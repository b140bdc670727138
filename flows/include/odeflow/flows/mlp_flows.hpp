// Compiled by-name sampling and likelihood of an MLP field: the common case of sample.hpp and
// log_likelihood.hpp, instantiated once in the odeflow_flows library (flows/src/mlp_*.cpp).
#pragma once

#include <odeflow/flows/log_likelihood.hpp>
#include <odeflow/flows/mlp_field.hpp>
#include <odeflow/flows/sample.hpp>
#include <odeflow/flows/source_distribution.hpp>

#include <Kokkos_Core.hpp>

namespace odeflow {

/// Execution space of the compiled MLP entry points: Kokkos' default.
using MlpFlowExec = Kokkos::DefaultExecutionSpace;

/// Memory space of their arrays: the default execution space's.
using MlpFlowMemory = MlpFlowExec::memory_space;

/// (n, d) rows the compiled entry points write, LayoutRight in MlpFlowMemory.
template <class T>
using MlpFlowRows = Kokkos::View<T**, Kokkos::LayoutRight, MlpFlowMemory>;

/// (n, d) rows they read (a MlpFlowRows<T> or Kokkos::View<T**, Kokkos::LayoutRight> converts).
template <class T>
using MlpFlowConstRows = Kokkos::View<const T**, Kokkos::LayoutRight, MlpFlowMemory>;

/// @name Compiled by-name entry points for MlpField (float and double)
///
/// Ordinary functions, defined in the odeflow_flows library, that call the templates of
/// sample.hpp and log_likelihood.hpp with the method chosen by name (`opt.solver.method`):
/// same semantics, options, statistics, errors (InvalidArgument naming the argument) and
/// bitwise the same results, but the ~15 lockstep solves per precision (one per built-in
/// method) are compiled once in the library instead of in every caller. Other fields, view
/// types, source distributions or execution spaces use the templates directly.
///
/// The library compiles them with the flags its configuration gives odeflow's own code
/// (ODEFLOW_STRICT_FP, and -march=native with ODEFLOW_ENABLE_NATIVE_ARCH), so a caller built
/// with the same flags gets the results of the template called in its own translation unit.
/// @{

/// sample(space, f, x0, x1, opt) (sample.hpp) for MlpField<float>; x1 may be x0's storage.
SampleResult<float, MlpFlowMemory> sample_mlp(const MlpFlowExec& space, const MlpField<float>& f,
                                              const MlpFlowConstRows<float>& x0, const MlpFlowRows<float>& x1,
                                              const SampleOptions<float>& opt);

/// sample(space, f, x0, x1, opt) (sample.hpp) for MlpField<double>; x1 may be x0's storage.
SampleResult<double, MlpFlowMemory> sample_mlp(const MlpFlowExec& space, const MlpField<double>& f,
                                               const MlpFlowConstRows<double>& x0, const MlpFlowRows<double>& x1,
                                               const SampleOptions<double>& opt);

/// log_likelihood(space, f, source, x1, opt) (log_likelihood.hpp), exact or Hutchinson
/// (`opt.divergence`), for MlpField<float> and a standard normal source.
LikelihoodResult<float, MlpFlowMemory> log_likelihood_mlp(const MlpFlowExec& space, const MlpField<float>& f,
                                                          const StandardNormal<float>& source,
                                                          const MlpFlowConstRows<float>& x1,
                                                          const LikelihoodOptions<float>& opt);

/// log_likelihood(space, f, source, x1, opt) (log_likelihood.hpp), exact or Hutchinson
/// (`opt.divergence`), for MlpField<double> and a standard normal source.
LikelihoodResult<double, MlpFlowMemory> log_likelihood_mlp(const MlpFlowExec& space, const MlpField<double>& f,
                                                           const StandardNormal<double>& source,
                                                           const MlpFlowConstRows<double>& x1,
                                                           const LikelihoodOptions<double>& opt);

/// sample_with_log_likelihood(space, f, source, x0, opt) (log_likelihood.hpp) for
/// MlpField<float> and a standard normal source; x1 is returned in `x_other`.
LikelihoodResult<float, MlpFlowMemory> sample_with_log_likelihood_mlp(const MlpFlowExec& space,
                                                                      const MlpField<float>& f,
                                                                      const StandardNormal<float>& source,
                                                                      const MlpFlowConstRows<float>& x0,
                                                                      const LikelihoodOptions<float>& opt);

/// sample_with_log_likelihood(space, f, source, x0, opt) (log_likelihood.hpp) for
/// MlpField<double> and a standard normal source; x1 is returned in `x_other`.
LikelihoodResult<double, MlpFlowMemory> sample_with_log_likelihood_mlp(const MlpFlowExec& space,
                                                                       const MlpField<double>& f,
                                                                       const StandardNormal<double>& source,
                                                                       const MlpFlowConstRows<double>& x0,
                                                                       const LikelihoodOptions<double>& opt);

/// @}

}  // namespace odeflow
