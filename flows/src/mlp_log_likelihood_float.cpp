// log_likelihood_mlp for MlpField<float> (mlp_flows.hpp): the by-name log_likelihood(), every method, compiled once.
#include <odeflow/flows/mlp_flows.hpp>

namespace odeflow {

LikelihoodResult<float, MlpFlowMemory> log_likelihood_mlp(const MlpFlowExec& space, const MlpField<float>& f,
                                                       const StandardNormal<float>& source,
                                                       const MlpFlowConstRows<float>& x1,
                                                       const LikelihoodOptions<float>& opt) {
  return log_likelihood(space, f, source, x1, opt);
}

}  // namespace odeflow
