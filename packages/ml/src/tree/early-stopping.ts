/** Early stopping on a validation loss: stop after `patience` rounds without a new minimum. */
export class EarlyStopping {
  private best = Infinity;
  private bestAt = 0;
  private seen = 0;

  /** @param patience rounds without improvement before stopping (≥ 1). */
  constructor(readonly patience: number) {
    if (!Number.isInteger(patience) || patience < 1)
      throw new RangeError(`patience must be a positive integer, got ${patience}`);
  }

  /** Records the loss after one more round. @returns true when training should stop. */
  update(loss: number): boolean {
    this.seen++;
    if (loss < this.best) {
      this.best = loss;
      this.bestAt = this.seen;
    }
    return this.seen - this.bestAt >= this.patience;
  }

  /** Rounds to keep: those up to and including the best one. */
  get bestRounds(): number {
    return this.bestAt;
  }

  get bestLoss(): number {
    return this.best;
  }
}
