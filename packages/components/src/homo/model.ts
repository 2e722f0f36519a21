/**
 * What a horizontal training component plugs into the round loop: a local model over a flat
 * parameter vector. The loop (client.ts, server.ts) never looks inside the vector, so logistic,
 * softmax and linear regression and neural networks share it (Flower's NumPyClient shape).
 */
import type { Frame } from '@fedgrid/ml';
import type { ModelPart, PredictionTask, Predictions } from '../spec.js';
import type { HomoRoundParams } from './params.js';

/** What a client tells the server before the first round (metadata, no rows). */
export interface ClientHello {
  examples: number;
  featureNames: string[];
  /** Distinct label values seen locally (classification tasks only). */
  labelValues?: number[];
}

/** What the server settles from every client's hello and sends back. */
export interface ModelSetup {
  task: PredictionTask;
  featureNames: string[];
  /** Class values in the order of the model's outputs (binary: [0, 1]; multiclass: sorted). */
  classes?: number[];
  parameterCount: number;
}

export interface LocalFit {
  params: Float64Array;
  /** Mean local training loss of the last local epoch. */
  loss: number;
  /**
   * The smallest non-empty group of local rows whose own statistics the update carries
   * (k-means: a cluster's sum and count); absent when the update only aggregates all rows.
   * Without SecAgg the client refuses to send it below MIN_AGGREGATE_ROWS rows.
   */
  smallestGroup?: { rows: number; kind: string; what: string };
}

export interface LocalEvaluation {
  examples: number;
  loss: number;
  /** Task metrics on the local rows (accuracy; or mse), weighted by examples when combined. */
  metrics: Record<string, number>;
}

/** One client's model over its local rows. */
export interface LocalModel {
  readonly parameterCount: number;
  /** Trains from `global` for the configured local epochs. */
  fit(global: Float64Array, round: number): Promise<LocalFit>;
  /** Scores `params` on the local rows. */
  evaluate(params: Float64Array): Promise<LocalEvaluation>;
  /** Frees resources (tensors). */
  dispose?(): void;
}

/** A model family: how to describe local data, agree on a setup, and build local models. */
export interface HomoModelKind<P extends HomoRoundParams> {
  /** Component code, also the `algorithm` of the model part. */
  algorithm: string;
  /** The client's hello; throws ComponentError for unusable data. */
  hello(frame: Frame, params: P): ClientHello;
  /**
   * Server side: the setup every client trains under (task, classes, parameter count).
   * @throws ComponentError if the clients' data disagree (other columns, other task).
   */
  setup(hellos: ReadonlyMap<string, ClientHello>, params: P): ModelSetup;
  /** Server side: the initial global parameters (deterministic in the seed). */
  init(setup: ModelSetup, params: P): Promise<Float64Array>;
  /** Client side: the local model over this party's rows. */
  local(frame: Frame, setup: ModelSetup, params: P): Promise<LocalModel>;
  /** The trained model as every party stores it (all parties hold the full model). */
  modelPart(setup: ModelSetup, global: Float64Array, params: P): ModelPart;
  /**
   * Scores local rows with a stored model part (horizontal prediction runs at each party alone).
   * @throws ComponentError if the rows lack the model's columns.
   */
  predict(part: ModelPart, frame: Frame): Promise<Predictions>;
}
