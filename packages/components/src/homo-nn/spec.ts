import { homoComponent } from '../homo/spec-factory.js';
import { homoNnKind, homoNnParams } from './kind.js';

/** Horizontal neural network (MLP) training. */
export const homoNn = homoComponent({
  version: '1.0.0',
  name: 'Homo NN',
  description:
    'Horizontal neural network: a multi-layer perceptron (hidden widths and activation in the flow config) trained with TensorFlow.js (WASM backend) at each client; the same round loop, strategies, SecAgg+, DP and robust aggregation as homo-lr.',
  reference:
    'McMahan et al. 2017 (FedAvg); Li et al. 2020 (FedProx); FATE HomoNN; docs/protocols/homo-fedavg.md',
  params: homoNnParams,
  kind: homoNnKind,
});
