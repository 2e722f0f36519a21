/**
 * The job request of a batch prediction (`fedgrid predict batch`, the console's batch prediction
 * page): PSI aligns the ids of the parties' new datasets, then the `predict` task reads each
 * party's own part of the published model `model:NAME@VERSION` (docs/objects/model.md).
 * Horizontal models (`local`) skip PSI: each party scores its own rows. Shared by the CLI and
 * the console so that both submit the same job.
 */

/** One host of the model and the dataset it scores. */
export interface BatchPredictHost {
  /** The host's node id. */
  node: string;
  /** The name of the host's dataset (registered on the host). */
  dataset: string;
}

export interface BatchPredictRequest {
  /** The guest's node id (the node that submits the job and gets the predictions). */
  guestNode: string;
  /** `NAME@VERSION`, `NAME` (newest published version) or a model id; `model:` is optional. */
  model: string;
  /** The guest's dataset to score. */
  guestDataset: string;
  /** One per host of the model, in the hosts' order of the training job. */
  hosts: BatchPredictHost[];
  /** Horizontal models: no PSI, each party scores its own rows. @default false */
  local?: boolean;
  /** The job's name. @default `predict <model>` */
  name?: string;
}

/** The job body (POST /v1/jobs) of a batch prediction: guest `guest`, hosts `host-0…`. */
export interface BatchPredictJob {
  name: string;
  parties: { guest: { node: string }; hosts: { node: string }[] };
  datasets: Record<string, string>;
  tasks: { name: string; component: string; inputs: Record<string, string> }[];
}

/**
 * The job request of a batch prediction; the predictions are the output
 * `predict/guest/predictions` of the job.
 * @throws Error naming the field when the model, the guest dataset or a host's node or dataset
 *   is empty, or no host is given.
 */
export function batchPredictRequest(o: BatchPredictRequest): BatchPredictJob {
  if (!o.model.trim()) throw new Error('model: name the published model as NAME@VERSION');
  if (!o.guestDataset.trim()) throw new Error("guest dataset: name this node's dataset to score");
  if (o.hosts.length === 0)
    throw new Error('hosts: give each host of the model and its dataset (at least one)');
  o.hosts.forEach((h, k) => {
    if (!h.node.trim() || !h.dataset.trim())
      throw new Error(`host ${k}: give both the node and the name of its dataset`);
  });
  const model = o.model.startsWith('model:') ? o.model : `model:${o.model}`;
  const data = o.local ? 'job.dataset' : 'psi.data';
  return {
    name: o.name ?? `predict ${o.model}`,
    parties: { guest: { node: o.guestNode }, hosts: o.hosts.map((h) => ({ node: h.node })) },
    datasets: {
      guest: o.guestDataset,
      ...Object.fromEntries(o.hosts.map((h, k) => [`host-${k}`, h.dataset])),
    },
    tasks: [
      ...(o.local ? [] : [{ name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } }]),
      { name: 'predict', component: 'predict', inputs: { data, model } },
    ],
  };
}
