// sample_with_log_likelihood_mlp for MlpField<float> (mlp_flows.hpp): the by-name forward likelihood solve, every method, compiled once.
#include <odeflow/flows/mlp_flows.hpp>

namespace odeflow {

LikelihoodResult<float, MlpFlowMemory> sample_with_log_likelihood_mlp(const MlpFlowExec& space,
                                                                   const MlpField<float>& f,
                                                                   const StandardNormal<float>& source,
                                                                   const MlpFlowConstRows<float>& x0,
                                                                   const LikelihoodOptions<float>& opt) {
  return sample_with_log_likelihood(space, f, source, x0, opt);
}

}  // namespace odeflow
