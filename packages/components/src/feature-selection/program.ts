/**
 * Feature selection, guest and host: each party filters its own columns (exclude, missing ratio,
 * variance, coefficient of variation, IV threshold, IV top-k, correlation; `include` overrides).
 * Only IV top-k with ivScope 'global' talks: each host sends the guest the IVs of its candidate
 * columns (no names, in its column order), the guest ranks them with its own and answers each
 * host with keep flags.
 */
import { recvMessage, sendMessage } from '@fedgrid/federation';
import { asBinningModel } from '../hetero-binning/model.js';
import {
  ComponentError,
  input,
  optionalInput,
  type ProgramContext,
  type ProgramResult,
} from '../spec.js';
import { applyCorrelationFilter, applyStatisticFilters, topK, type Candidate } from './filters.js';
import { asSelectionModel, selectColumns, type SelectionModel } from './model.js';
import type { FeatureSelectionParams } from './params.js';

const tag = { ivs: 'candidate-ivs', keep: 'keep' };

/** Names of a per-party list, checked against the frame. */
function listed(
  ctx: ProgramContext<Partial<FeatureSelectionParams>>,
  list: 'include' | 'exclude',
  names: readonly string[],
): Set<string> {
  const mine = ctx.params[list]?.[ctx.party] ?? [];
  for (const n of mine) {
    if (!names.includes(n)) {
      throw new ComponentError(
        'COLUMN_UNKNOWN',
        `${ctx.party}: ${list} lists '${n}', which is not a feature column`,
        {
          party: ctx.party,
          column: n,
        },
      );
    }
  }
  return new Set(mine);
}

/** IV top-k: keep flags for `ivs` (this party's candidates), per the scope. */
async function topKFlags(
  ctx: ProgramContext<Partial<FeatureSelectionParams>>,
  ivs: number[],
  k: number,
): Promise<boolean[]> {
  if (ctx.params.ivScope === 'party') return topK(ivs, k);
  const ch = ctx.channel;
  const { guest, hosts } = ctx.roles;
  if (ctx.role === 'host') {
    await sendMessage(ch, guest, tag.ivs, { ivs });
    const keep = (await recvMessage<{ keep: boolean[] }>(ch, guest, tag.keep)).header.keep;
    if (!Array.isArray(keep) || keep.length !== ivs.length) {
      throw new ComponentError(
        'PROTOCOL',
        `the guest sent ${keep?.length} keep flags for ${ivs.length} candidates`,
      );
    }
    return keep;
  }
  const theirs = await Promise.all(
    hosts.map((h) => recvMessage<{ ivs: number[] }>(ch, h, tag.ivs)),
  );
  const all = [ivs, ...theirs.map((m) => m.header.ivs)];
  const keep = topK(all.flat(), k);
  let off = ivs.length;
  await Promise.all(
    hosts.map((h, i) => {
      const len = (all[i + 1] as number[]).length;
      const slice = keep.slice(off, off + len);
      off += len;
      return sendMessage(ch, h, tag.keep, { keep: slice });
    }),
  );
  return keep.slice(0, ivs.length);
}

/** The selection program; `withIv`: the variant with a hetero-binning model on input `binning`. */
export function selectionProgram(withIv: boolean) {
  return async (ctx: ProgramContext<Partial<FeatureSelectionParams>>): Promise<ProgramResult> => {
    const t0 = performance.now();
    const p = ctx.params;
    const { frame } = input(ctx, 'data', 'dataset');
    const saved = optionalInput(ctx, 'model', 'model');
    if (saved) {
      const model = asSelectionModel(
        saved.model,
        ctx.party,
        ctx.role === 'guest' ? 'guest' : 'host',
      );
      return {
        outputs: {
          data: { kind: 'dataset', frame: selectColumns(frame, model.selected) },
          model: { kind: 'model', model },
        },
        summary: {
          features: frame.featureNames.length,
          selected: model.selected.length,
          mode: 'apply',
          seconds: (performance.now() - t0) / 1000,
        },
      };
    }
    const ivs = new Map<string, number>();
    if (withIv) {
      for (const f of asBinningModel(input(ctx, 'binning', 'model').model).features)
        ivs.set(f.name, f.iv);
    }
    const include = listed(ctx, 'include', frame.featureNames);
    const exclude = listed(ctx, 'exclude', frame.featureNames);
    const candidates: Candidate[] = frame.featureNames.map((name, index) => ({
      name,
      index,
      ...(ivs.has(name) ? { iv: ivs.get(name) as number } : {}),
      forced: include.has(name),
    }));
    applyStatisticFilters(frame, candidates, p, exclude);
    if (withIv && p.ivTopK !== undefined) {
      const pool = candidates.filter((c) => !c.dropped && !c.forced && c.iv !== undefined);
      const keep = await topKFlags(
        ctx,
        pool.map((c) => c.iv as number),
        p.ivTopK,
      );
      pool.forEach((c, i) => {
        if (!keep[i]) c.dropped = 'iv-top-k';
      });
    }
    if (p.maxCorrelation !== undefined) applyCorrelationFilter(frame, candidates, p.maxCorrelation);
    const selected = candidates.filter((c) => !c.dropped).map((c) => c.name);
    if (selected.length === 0)
      ctx.log('warn', `${ctx.party}: feature selection dropped every column`);
    const model: SelectionModel = {
      algorithm: 'feature-selection',
      role: ctx.role === 'guest' ? 'guest' : 'host',
      selected,
      dropped: candidates
        .filter((c) => c.dropped)
        .map((c) => ({ name: c.name, reason: c.dropped as NonNullable<Candidate['dropped']> })),
    };
    return {
      outputs: {
        data: { kind: 'dataset', frame: selectColumns(frame, selected) },
        model: { kind: 'model', model },
      },
      summary: {
        features: frame.featureNames.length,
        selected: selected.length,
        seconds: (performance.now() - t0) / 1000,
      },
    };
  };
}
