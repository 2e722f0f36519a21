/**
 * The randomness behind the guest's row choices (sample, split). A `seed` parameter makes them
 * reproducible, but every party sees the job's parameters, so a host could replay a
 * label-dependent choice (stratified, by class, balancing) under candidate labellings; without
 * a seed the guest draws from node:crypto and nobody can.
 */
import { randomInt } from 'node:crypto';
import { SeededRandom, type RandomSource } from '@fedgrid/ml';

export function decisionRandom(seed: number | undefined): RandomSource {
  return seed === undefined ? { nextInt: (n) => randomInt(n) } : new SeededRandom(seed);
}
