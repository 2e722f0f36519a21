import { homoComponent } from '../homo/spec-factory.js';
import { homoLinearParams, linearKind } from './kind.js';

const rounds =
  'Round loop: the arbiter samples clients, each trains locally from the global model and returns its update, the arbiter aggregates (FedAvg weighted by examples, FedProx, FedAdam/FedYogi/FedAdagrad; optionally SecAgg+, DP, robust aggregation) and checkpoints every round.';

/** Horizontal logistic regression (binary) and softmax regression (multiclass). */
export const homoLr = homoComponent({
  version: '1.0.0',
  name: 'Homo LR',
  description: `Horizontal logistic regression: clients hold rows with the same columns; two classes train a logistic model, more a softmax model. ${rounds}`,
  reference:
    'McMahan et al. 2017 (FedAvg); Li et al. 2020 (FedProx); Reddi et al. 2021 (adaptive server optimisers); FATE HomoLR; docs/protocols/homo-fedavg.md',
  params: homoLinearParams,
  kind: linearKind('homo-lr', true),
});

/** Horizontal linear regression. */
export const homoLinR = homoComponent({
  version: '1.0.0',
  name: 'Homo LinR',
  description: `Horizontal linear regression (squared error) on real-valued labels. ${rounds}`,
  reference: 'McMahan et al. 2017 (FedAvg); FATE HomoLinR; docs/protocols/homo-fedavg.md',
  params: homoLinearParams,
  kind: linearKind('homo-linr', false),
});
