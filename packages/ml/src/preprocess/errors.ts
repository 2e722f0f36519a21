/**
 * The error every preprocessing function throws for input it cannot handle. `code` is stable
 * (components map it 1:1 onto a ComponentError), `details` names the column, row or class.
 */
export type PreprocessErrorCode =
  | 'COLUMN_UNKNOWN'
  | 'COLUMN_DUPLICATE'
  | 'COLUMN_EMPTY'
  | 'VALUE_NOT_FINITE'
  | 'NOT_INTEGER'
  | 'TOO_MANY_CATEGORIES'
  | 'UNSEEN_CATEGORY'
  | 'NAME_COLLISION'
  | 'LABELS_MISSING'
  | 'CLASS_UNKNOWN'
  | 'SAMPLE_EMPTY';

export class PreprocessError extends RangeError {
  constructor(
    readonly code: PreprocessErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'PreprocessError';
  }
}
