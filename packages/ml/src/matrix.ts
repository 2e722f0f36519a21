/** Dense row-major matrices of doubles: the frame type every FedGrid algorithm works on. */

export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  /** rows × cols values, row-major. */
  readonly data: Float64Array;
}

/** @throws RangeError if data.length ≠ rows·cols. */
export function matrix(rows: number, cols: number, data?: Float64Array): Matrix {
  const d = data ?? new Float64Array(rows * cols);
  if (d.length !== rows * cols)
    throw new RangeError(`matrix data has ${d.length} values, expected ${rows}×${cols}`);
  return { rows, cols, data: d };
}

/** X·w (+ b): rows-long vector. */
export function matVec(x: Matrix, w: Float64Array, bias = 0): Float64Array {
  if (w.length !== x.cols)
    throw new RangeError(`weights have ${w.length} entries, matrix ${x.cols} columns`);
  const out = new Float64Array(x.rows);
  const { data, cols } = x;
  for (let i = 0; i < x.rows; i++) {
    let s = bias;
    const o = i * cols;
    for (let j = 0; j < cols; j++) s += (data[o + j] as number) * (w[j] as number);
    out[i] = s;
  }
  return out;
}

/** Xᵀ·v: cols-long vector. */
export function matTVec(x: Matrix, v: Float64Array): Float64Array {
  if (v.length !== x.rows)
    throw new RangeError(`vector has ${v.length} entries, matrix ${x.rows} rows`);
  const out = new Float64Array(x.cols);
  const { data, cols } = x;
  for (let i = 0; i < x.rows; i++) {
    const vi = v[i] as number;
    const o = i * cols;
    for (let j = 0; j < cols; j++) out[j] = (out[j] as number) + (data[o + j] as number) * vi;
  }
  return out;
}

/** The sub-matrix of the given rows, in the given order. */
export function selectRows(x: Matrix, rows: ArrayLike<number>): Matrix {
  const out = new Float64Array(rows.length * x.cols);
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k] as number;
    out.set(x.data.subarray(r * x.cols, (r + 1) * x.cols), k * x.cols);
  }
  return { rows: rows.length, cols: x.cols, data: out };
}

/** Entries of v at the given indices. */
export function selectEntries(v: Float64Array, idx: ArrayLike<number>): Float64Array {
  const out = new Float64Array(idx.length);
  for (let k = 0; k < idx.length; k++) out[k] = v[idx[k] as number] as number;
  return out;
}

/** [A | B]: columns of A then columns of B (same row count). */
export function hstack(a: Matrix, b: Matrix): Matrix {
  if (a.rows !== b.rows) throw new RangeError(`cannot stack ${a.rows} rows with ${b.rows} rows`);
  const cols = a.cols + b.cols;
  const out = new Float64Array(a.rows * cols);
  for (let i = 0; i < a.rows; i++) {
    out.set(a.data.subarray(i * a.cols, (i + 1) * a.cols), i * cols);
    out.set(b.data.subarray(i * b.cols, (i + 1) * b.cols), i * cols + a.cols);
  }
  return { rows: a.rows, cols, data: out };
}
