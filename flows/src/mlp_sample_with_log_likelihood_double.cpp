// sample_with_log_likelihood_mlp for MlpField<double> (mlp_flows.hpp): the by-name forward likelihood solve, every method, compiled once.
#include <odeflow/flows/mlp_flows.hpp>

namespace odeflow {

LikelihoodResult<double, MlpFlowMemory> sample_with_log_likelihood_mlp(const MlpFlowExec& space,
                                                                   const MlpField<double>& f,
                                                                   const StandardNormal<double>& source,
                                                                   const MlpFlowConstRows<double>& x0,
                                                                   const LikelihoodOptions<double>& opt) {
  return sample_with_log_likelihood(space, f, source, x0, opt);
}

}  // namespace odeflow
