/**
 * @fedgrid/bench: the benchmark suite (`npm run bench`) and its multi-process harness, which
 * runs any component with every party in its own OS process over the real gRPC data plane.
 */
export { FederatedCluster, FederatedRunError, withCluster } from './cluster.js';
export type {
  ClusterOptions,
  PartyOutcome,
  ProgressEvent,
  RunOptions,
  RunResult,
} from './cluster.js';
export type { BenchParams, BenchReport, BenchResult, MachineInfo } from './report.js';
export { machineInfo, result } from './report.js';
export {
  measureFor,
  measureForSync,
  median,
  timed,
  type Budget,
  type Measured,
} from './measure.js';
export { benchX25519Raw } from './benches/x25519.js';
export { benchPaillier, type PaillierBenchOptions } from './benches/paillier.js';
export { benchMpc, type MpcBenchOptions } from './benches/mpc.js';
export { benchPsi, idFrame, psiIds } from './benches/psi.js';
export { benchSm, type SmBenchOptions } from './benches/sm.js';
export { alignToGuest, benchHeteroLr, type HeteroLrBenchOptions } from './benches/hetero-lr.js';
export { benchPir, type PirBenchOptions } from './benches/pir.js';
export { RawHttpsClient, type RawAnswer, type RawHttpsOptions } from './raw-https-client.js';
