/** Maps the math layer's PreprocessError onto a ComponentError that names party and field. */
import { PreprocessError } from '@fedgrid/ml';
import { ComponentError, type ProgramContext } from '../spec.js';

/** The ComponentError for a PreprocessError raised while handling parameter `field`. */
export function componentError(
  ctx: ProgramContext<unknown>,
  err: PreprocessError,
  field: string,
): ComponentError {
  return new ComponentError(err.code, `${ctx.party}: ${field}: ${err.message}`, {
    ...err.details,
    party: ctx.party,
    field,
  });
}

/**
 * Runs `fn`, turning a PreprocessError into a ComponentError naming `field`.
 * @throws ComponentError, or whatever else `fn` throws.
 */
export function withField<T>(ctx: ProgramContext<unknown>, field: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof PreprocessError) throw componentError(ctx, err, field);
    throw err;
  }
}
