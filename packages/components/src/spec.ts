/**
 * What a component is: a versioned algorithm unit with a parameter schema, declared inputs and
 * outputs, and one program per role (standard 001 §7, "Component"). Adding an algorithm means
 * adding a folder with a spec; the node's scheduler knows nothing algorithm-specific.
 */
import type { CryptoPool } from '@fedgrid/crypto';
import type { Channel, PartyName } from '@fedgrid/federation';
import type { Frame } from '@fedgrid/ml';
import type { z } from 'zod';
import type { ServingProgram } from './serving.js';

/** `edge`: an edge aggregator of hierarchical horizontal FL (party names edge-0, edge-1, …). */
export type Role = 'guest' | 'host' | 'arbiter' | 'edge';

/** Parties of a job by role: party names, e.g. guest, host-0, host-1, arbiter. */
export interface JobRoles {
  guest: PartyName;
  hosts: PartyName[];
  arbiter?: PartyName;
  /** Edge aggregators (hierarchical horizontal FL), when the job has any. */
  edges?: PartyName[];
}

/** The role a party name stands for. */
export function roleOf(party: PartyName): Role {
  if (party === 'guest') return 'guest';
  if (party === 'arbiter') return 'arbiter';
  if (/^host-\d+$/.test(party)) return 'host';
  if (/^edge-\d+$/.test(party)) return 'edge';
  throw new RangeError(`'${party}' is not a party name (guest, host-<n>, arbiter, edge-<n>)`);
}

/** Kinds of values that flow between tasks. */
export type PortKind = 'dataset' | 'model' | 'predictions' | 'report';

export interface PortSpec {
  name: string;
  kind: PortKind;
  /** Roles that have this input/output. */
  roles: Role[];
  description: string;
  /**
   * An input that a flow may leave unconnected; the program then finds no value under its name
   * (read it with {@link optionalInput}). Outputs are never optional.
   * @default false
   */
  optional?: boolean;
}

/** A model part as stored by its owner (JSON-serialisable). */
export type ModelPart = Record<string, unknown> & { algorithm: string };

/** What a model predicts: a class of two, one of several, or a real value. */
export type PredictionTask = 'binary' | 'multiclass' | 'regression';

/** Scores the result party holds after prediction (one entry per row, rows aligned with `ids`). */
export interface Predictions {
  ids: string[];
  /**
   * binary: P(y = 1); regression: the predicted value; multiclass: the index into `classes` of
   * the predicted class (argmax of `probabilities`).
   */
  scores: Float64Array;
  /** The true labels, when the result party holds them (binary: 0/1; multiclass: class values). */
  labels?: Float64Array;
  /** @default 'binary' */
  task?: PredictionTask;
  /** multiclass: the class values, in the column order of `probabilities`. */
  classes?: number[];
  /** multiclass: rows × classes, row-major; each row sums to 1. */
  probabilities?: Float64Array;
}

/** A value on an input or output port. */
export type PortValue =
  | { kind: 'dataset'; frame: Frame }
  | {
      kind: 'model';
      model: ModelPart;
      /**
       * The training job and task the part came from, where the node knows it (a stored output
       * or a published model); predict uses it to refuse parts of different trainings.
       */
      origin?: { jobId: string; task: string };
      /**
       * The party's fitted feature steps between its raw dataset and the training task (e.g.
       * encode, scale), in order; set when the part is read as a published model
       * (`model:NAME@VERSION`), so that predict replays them on raw rows first.
       */
      pipeline?: FittedStep[];
    }
  | { kind: 'predictions'; predictions: Predictions }
  | { kind: 'report'; report: Record<string, unknown> };

/** Log levels a program may use. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface ProgramContext<P> {
  jobId: string;
  taskName: string;
  /** This party and its role. */
  party: PartyName;
  role: Role;
  roles: JobRoles;
  /** Validated parameters (defaults applied). */
  params: P;
  /** Point-to-point messages to the other parties of the task. */
  channel: Channel;
  /** Input values by port name (only ports for this role). */
  inputs: Record<string, PortValue>;
  /** Worker threads for crypto kernels. */
  crypto: CryptoPool;
  /** Writes to the task log. */
  log(level: LogLevel, message: string, data?: Record<string, unknown>): void;
  /** Reports progress (shown by the CLI, stored with the job): e.g. {stage:'train', epoch, loss}. */
  progress(data: Record<string, unknown>): void;
  /** Aborted when the job is stopped or fails elsewhere. */
  signal: AbortSignal;
  /**
   * This party's durable state for the task, kept across attempts: a rerun after a crash finds
   * what the previous attempt saved (e.g. the round a federated training reached). Absent where
   * nothing persists (unit tests, benchmarks): programs then start from scratch.
   */
  checkpoint?: CheckpointStore;
  /**
   * The data owner's ledger of what this party has revealed about its rows to each partner,
   * across jobs (docs/protocols/README.md, "Disclosure budgets"). Absent where nothing persists
   * (unit tests, benchmarks): programs then enforce their per-job minimums only.
   */
  disclosure?: DisclosureLedger;
}

/** One charge: what is about to be revealed to `partner` about this party's rows. */
export interface DisclosureCharge {
  /** The party (of this job) that learns the result; the node maps it to that party's node. */
  partner: PartyName;
  /** What is counted, e.g. 'pearson-columns' (one unit = one equation per owner column). */
  kind: string;
  /** Units revealed by this task (e.g. the partner's number of columns). */
  amount: number;
  /** Rows the revealed aggregates are computed on. */
  rows: number;
  /**
   * The budget per row: the cumulative amount over every job may not exceed
   * ⌊budgetPerRow × the smallest row count charged so far (this one included)⌋ — the smallest,
   * because equations on a subset of the rows solve that subset.
   */
  budgetPerRow: number;
}

/** The ledger's state for one (partner, dataset, kind) after a charge. */
export interface DisclosureBalance {
  /** Units charged so far, this charge included. */
  used: number;
  /** The budget: ⌊budgetPerRow × smallest rows⌋. */
  limit: number;
}

/**
 * A data owner's ledger of revealed aggregates (see disclosure.ts), bound by the node to one
 * party of one task and to the dataset that party brought. Charging again from the same task (a
 * rerun of the same job) counts once.
 */
export interface DisclosureLedger {
  /**
   * Records `amount` units against the budget, atomically: either the charge fits and is kept, or
   * nothing is recorded.
   * @throws ComponentError DISCLOSURE_BUDGET_EXCEEDED when the cumulative amount would pass the
   *   limit.
   */
  charge(request: DisclosureCharge): Promise<DisclosureBalance>;
}

/** A party's checkpoint of one task: one JSON value, replaced by every save. */
export interface CheckpointStore {
  /** The last saved value, or undefined when none was saved. */
  load(): Promise<unknown>;
  /** Replaces the saved value (atomically: a crash keeps the old or the new one). */
  save(value: unknown): Promise<void>;
}

export interface ProgramResult {
  /** Output values by port name. */
  outputs: Record<string, PortValue>;
  /** A small JSON summary reported to the initiator (metrics, counts, timings). */
  summary?: Record<string, unknown>;
}

export type Program<P> = (ctx: ProgramContext<P>) => Promise<ProgramResult>;

/**
 * How to score the model parts a training component outputs: its predict program, declared in
 * the training component's own folder so that adding an algorithm stays a one-folder change.
 * The generic predict component (predict/component.ts) finds the declaration through the model
 * part's `algorithm` and runs the program of the party's role with inputs `model` (the party's
 * own model part) and `data` (its aligned rows); the guest's program returns `predictions`.
 * Standard 000 §7.7 (prediction management): results only to the result party.
 */
export interface PredictDeclaration {
  /**
   * The `algorithm` values of the model parts this program scores.
   * @default [the component's code]
   */
  algorithms?: string[];
  /**
   * `federated`: guest and hosts each hold a part and exchange messages (hosts send only their
   * masked partial results to the guest, which alone obtains predictions); `local`: every party
   * holds the full model and scores its own rows alone (horizontal FL, no messages).
   */
  mode: 'federated' | 'local';
  /** One program per role that scores; roles without one take no part in prediction. */
  programs: Partial<Record<Role, Program<Record<string, never>>>>;
  /**
   * The pure scorer of a full model part on one party's rows, where one party alone can score
   * (local models); used by programs and by serving without a channel.
   * @throws ComponentError if the rows lack the model's columns.
   */
  score?(part: ModelPart, frame: Frame): Promise<Predictions>;
}

export interface ComponentSpec<P = unknown> {
  /** Stable code, e.g. 'hetero-lr'. */
  code: string;
  /** Semantic version of the algorithm and its parameters. */
  version: string;
  name: string;
  description: string;
  /** The paper or standard the protocol follows. */
  reference: string;
  /** Roles that must take part; a job without one of them is invalid for this component. */
  roles: Role[];
  /**
   * Whether these (raw, unvalidated) task parameters let a job leave `role` out although it is
   * in `roles` — e.g. the MPC components' arbiter with `triples: dealer-free`. Absent: never.
   */
  roleOptional?: (role: Role, params: Readonly<Record<string, unknown>>) => boolean;
  /** Parameter schema (zod), with defaults. */
  params: z.ZodType<P>;
  inputs: PortSpec[];
  outputs: PortSpec[];
  programs: Partial<Record<Role, Program<P>>>;
  /**
   * true: each party's program exchanges no messages with the other parties (it works on its own
   * data alone), so a node run as several processes may hand it to any worker process, which
   * receives no data-plane traffic (issue 16). @default false
   */
  local?: boolean;
  /**
   * true: the programs read their dataset inputs column by column (`frameColumn`,
   * `selectFrameColumns`, `replaceFrameColumns` of @fedgrid/ml) and read `frame.x` at most for
   * the columns they keep, so the node hands them column-backed frames read from the columnar
   * snapshot — no row-major copy of the whole table (issue 17). Absent: row-major frames, the
   * table once in memory. Either way a program sees the same values. @default false
   */
  columnar?: boolean;
  /** How to score the model this component outputs (absent: its outputs are not scored). */
  predict?: PredictDeclaration;
  /** Online prediction with this component's model parts, if it supports it (serving.ts). */
  serve?: ServingProgram;
  /**
   * A fit-or-apply feature transform (encode, scale, outliers): re-applies a model this
   * component fitted to new rows of the same party, with the parameters of the task that fitted
   * it. Serving and batch prediction replay a training's feature pipeline with it
   * (feature-pipeline.ts; docs/protocols/serving.md). Absent: the component's output cannot be
   * replayed outside its job.
   */
  applyFitted?: FittedTransform;
}

/**
 * Applies a fitted model part of a local transform to `frame` (rows of `party`), with the
 * fitting task's raw parameters `params` (defaults applied here).
 * @throws ComponentError MODEL_INVALID (not this component's model), FEATURE_MISSING, or the
 *   transform's own errors (e.g. UNSEEN_CATEGORY) naming the party.
 */
export type FittedTransform = (
  model: ModelPart,
  params: Readonly<Record<string, unknown>>,
  frame: Frame,
  party: string,
) => Frame;

/** One fitted step of a party's feature pipeline: a local transform task of the training job. */
export interface FittedStep {
  /** The component code (its spec's `applyFitted` replays it). */
  component: string;
  /** The task of the training job that fitted it. */
  task: string;
  /** That task's parameters as the job spec gave them. */
  params: Record<string, unknown>;
  /** That party's fitted model (the task's `model` output on this node). */
  model: ModelPart;
}

/** Raised by programs for failures the user can act on (bad data, bad parameters). */
export class ComponentError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ComponentError';
  }
}

/** Reads a required input port of a given kind. @throws ComponentError if it is missing. */
export function input<K extends PortValue['kind']>(
  ctx: ProgramContext<unknown>,
  name: string,
  kind: K,
): Extract<PortValue, { kind: K }> {
  const v = ctx.inputs[name];
  if (!v || v.kind !== kind) {
    throw new ComponentError(
      'INPUT_MISSING',
      `task ${ctx.taskName} on ${ctx.party} needs a ${kind} on input '${name}'`,
    );
  }
  return v as Extract<PortValue, { kind: K }>;
}

/**
 * Reads an optional input port: undefined when the flow left it unconnected.
 * @throws ComponentError if it is connected to a value of another kind.
 */
export function optionalInput<K extends PortValue['kind']>(
  ctx: ProgramContext<unknown>,
  name: string,
  kind: K,
): Extract<PortValue, { kind: K }> | undefined {
  return ctx.inputs[name] === undefined ? undefined : input(ctx, name, kind);
}
