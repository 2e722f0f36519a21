/**
 * Columnar dataset snapshot (format FGDS3), written while registration streams the source, so
 * that neither writing nor reading needs the whole table in one buffer, and a reader can take
 * single columns by name (see {@link readSnapshotColumns}) instead of a whole frame.
 *
 * Layout (little-endian), in the manner of Arrow IPC's file format (record batches, then a
 * footer found from the end):
 *
 *     "FGDS3\n" | piece* | f64 footerOffset | "FGDS3\n"
 *     piece   = u32 length | bytes          (bytes sealed on their own when the node seals files)
 *     bytes   = u8 kind (1 batch, 2 footer) | 16-byte file nonce | u32 index | payload
 *     batch   = u32 rows | u32 idBytes | ids (UTF-8 JSON array) | f64 × rows source lines |
 *               f64 × rows labels (if a label) | per feature column: f64 × rows
 *     footer  = UTF-8 JSON {@link Footer}
 *
 * The nonce (random per file) and the running index in every piece, and the batch count in the
 * footer, make a sealed snapshot refuse pieces reordered, dropped, repeated or taken from another
 * file. A categorical column holds codes in order of first appearance (what a stream can know);
 * the footer's `codeMaps` turn them into the codes of ascending levels that {@link Frame}
 * defines, applied when read.
 */
import { randomBytes } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { columnFrame, frameColumn, type ColumnType, type Frame } from '@fedgrid/ml';
import type { AtomicFileWriter } from '../storage/files.js';

export const COLUMNAR_MAGIC = Buffer.from('FGDS3\n');
const KIND_BATCH = 1;
const KIND_FOOTER = 2;
const PIECE_HEAD = 1 + 16 + 4;
const TRAILER = 8 + COLUMNAR_MAGIC.length;

/** Seals and opens the pieces of a snapshot (identity when the node does not seal files). */
export interface PieceSealer {
  seal(data: Uint8Array): Uint8Array;
  /** @throws when a piece does not open (altered, other key, unsealed on a sealing node). */
  open(data: Buffer, path: string): Buffer;
}

/** Pieces written and read as they are. */
export const PLAIN_PIECES: PieceSealer = { seal: (d) => d, open: (d) => d };

/** The footer: what the whole snapshot holds. */
export interface Footer {
  format: 'FGDS3';
  rows: number;
  batches: number;
  featureNames: string[];
  labelName?: string;
  columnTypes?: Record<string, ColumnType>;
  /** Per categorical column: stored code (first appearance) → code of the ascending level. */
  codeMaps?: Record<string, number[]>;
}

/** One batch of rows, column by column. */
export interface Batch {
  ids: string[];
  /** Line of each row in its source (1-based; see SourceRecord.line). */
  lines: Float64Array;
  labels?: Float64Array;
  /** One array per feature column, in `featureNames` order. */
  columns: Float64Array[];
}

/**
 * Writes a columnar snapshot batch by batch through an {@link AtomicFileWriter}: nothing is at
 * the target path until {@link commit}; {@link abort} leaves nothing behind.
 */
export class ColumnarSnapshotWriter {
  private readonly nonce = randomBytes(16);
  private index = 0;
  private rows = 0;

  private constructor(
    private readonly out: AtomicFileWriter,
    private readonly sealer: PieceSealer,
    private readonly featureNames: string[],
    private readonly labelName: string | undefined,
  ) {}

  /** Starts a snapshot of these columns (`labelName`: the table has labels). */
  static async create(
    out: AtomicFileWriter,
    sealer: PieceSealer,
    featureNames: string[],
    labelName?: string,
  ): Promise<ColumnarSnapshotWriter> {
    await out.write(COLUMNAR_MAGIC);
    return new ColumnarSnapshotWriter(out, sealer, featureNames, labelName);
  }

  /** Rows written so far. */
  get rowCount(): number {
    return this.rows;
  }

  private async piece(kind: number, payload: readonly Uint8Array[]): Promise<void> {
    const size = payload.reduce((n, p) => n + p.length, 0);
    const plain = Buffer.allocUnsafe(PIECE_HEAD + size);
    plain.writeUInt8(kind, 0);
    this.nonce.copy(plain, 1);
    plain.writeUInt32LE(this.index++, 17);
    let off = PIECE_HEAD;
    for (const p of payload) {
      plain.set(p, off);
      off += p.length;
    }
    const sealed = this.sealer.seal(plain);
    const len = Buffer.allocUnsafe(4);
    len.writeUInt32LE(sealed.length);
    await this.out.write(len);
    await this.out.write(sealed);
  }

  /**
   * Appends one batch (`columns` in the feature order given to {@link create}).
   * @throws Error when the batch's arrays disagree in length or a label is missing/unexpected.
   */
  async writeBatch(batch: Batch): Promise<void> {
    const n = batch.ids.length;
    if (batch.lines.length !== n || batch.columns.length !== this.featureNames.length)
      throw new Error('snapshot batch: arrays of different lengths');
    if ((batch.labels !== undefined) !== (this.labelName !== undefined))
      throw new Error('snapshot batch: labels given for a table without labels, or missing');
    const ids = Buffer.from(JSON.stringify(batch.ids), 'utf8');
    const head = Buffer.allocUnsafe(8);
    head.writeUInt32LE(n, 0);
    head.writeUInt32LE(ids.length, 4);
    const f64 = (a: Float64Array) => {
      if (a.length !== n) throw new Error('snapshot batch: arrays of different lengths');
      return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    };
    await this.piece(KIND_BATCH, [
      head,
      ids,
      f64(batch.lines),
      ...(batch.labels ? [f64(batch.labels)] : []),
      ...batch.columns.map(f64),
    ]);
    this.rows += n;
  }

  /** Writes the footer and trailer and puts the file in place. */
  async commit(extra: Pick<Footer, 'columnTypes' | 'codeMaps'> = {}): Promise<void> {
    const footer: Footer = {
      format: 'FGDS3',
      rows: this.rows,
      batches: this.index,
      featureNames: this.featureNames,
      ...(this.labelName !== undefined ? { labelName: this.labelName } : {}),
      ...(extra.columnTypes && Object.keys(extra.columnTypes).length
        ? { columnTypes: extra.columnTypes }
        : {}),
      ...(extra.codeMaps && Object.keys(extra.codeMaps).length ? { codeMaps: extra.codeMaps } : {}),
    };
    const at = this.out.bytes;
    await this.piece(KIND_FOOTER, [Buffer.from(JSON.stringify(footer), 'utf8')]);
    const trailer = Buffer.allocUnsafe(TRAILER);
    trailer.writeDoubleLE(at, 0);
    COLUMNAR_MAGIC.copy(trailer, 8);
    await this.out.write(trailer);
    await this.out.commit();
  }

  /** The batches written so far, read back from the unfinished file (before {@link commit}). */
  async *scan(): AsyncGenerator<Batch> {
    const path = this.out.tmpPath;
    const end = this.out.bytes;
    const fh = await open(path, 'r');
    try {
      let pos = COLUMNAR_MAGIC.length;
      for (let b = 0; pos < end; b++) {
        const { kind, index, payload, next } = await readPiece(fh, pos, path, this.sealer);
        if (kind !== KIND_BATCH || index !== b)
          throw new Error(`${path}: batch ${b} is out of place`);
        pos = next;
        yield decodeBatch(
          splitBatch(payload, this.featureNames.length, this.labelName !== undefined, path, b),
        );
      }
    } finally {
      await fh.close();
    }
  }

  abort(): Promise<void> {
    return this.out.abort();
  }
}

/** Whether `head` (the first bytes of a file) starts a columnar snapshot. */
export function isColumnarSnapshot(head: Buffer): boolean {
  return head.subarray(0, COLUMNAR_MAGIC.length).equals(COLUMNAR_MAGIC);
}

async function readAt(fh: FileHandle, pos: number, len: number, path: string): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(len);
  let got = 0;
  while (got < len) {
    const { bytesRead } = await fh.read(buf, got, len - got, pos + got);
    if (bytesRead === 0) throw new Error(`${path} is truncated`);
    got += bytesRead;
  }
  return buf;
}

/**
 * An open columnar snapshot: its footer, and its batches read one at a time (each piece opened
 * and checked: kind, nonce, index).
 */
export class ColumnarSnapshotReader {
  private constructor(
    private readonly fh: FileHandle,
    private readonly path: string,
    private readonly sealer: PieceSealer,
    readonly footer: Footer,
    private readonly footerAt: number,
    private readonly nonce: Buffer,
  ) {}

  /**
   * @throws Error when the file is not a columnar snapshot, is truncated or inconsistent; the
   *   sealer's error when a piece does not open.
   */
  static async open(path: string, sealer: PieceSealer): Promise<ColumnarSnapshotReader> {
    const fh = await open(path, 'r');
    try {
      const size = (await fh.stat()).size;
      if (size < COLUMNAR_MAGIC.length + TRAILER) throw new Error(`${path} is truncated`);
      const trailer = await readAt(fh, size - TRAILER, TRAILER, path);
      if (!trailer.subarray(8).equals(COLUMNAR_MAGIC)) throw new Error(`${path} is truncated`);
      const at = trailer.readDoubleLE(0);
      if (!Number.isSafeInteger(at) || at < COLUMNAR_MAGIC.length || at + 4 > size - TRAILER)
        throw new Error(`${path}: bad footer position`);
      const { kind, nonce, index, payload } = await readPiece(fh, at, path, sealer);
      if (kind !== KIND_FOOTER) throw new Error(`${path}: the footer is not a footer`);
      const footer = JSON.parse(payload.toString('utf8')) as Footer;
      if (footer.format !== 'FGDS3' || index !== footer.batches)
        throw new Error(`${path}: the footer does not match its batches`);
      return new ColumnarSnapshotReader(fh, path, sealer, footer, at, nonce);
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  /** The batches in order. @throws Error for a piece out of place or a row count that differs. */
  async *batches(): AsyncGenerator<Batch> {
    for await (const raw of this.rawBatches()) yield decodeBatch(raw);
  }

  /**
   * The batches in order as read: each array still the bytes of its piece (no copy), for a
   * reader that copies them straight to where they go. @throws as {@link batches}.
   */
  async *rawBatches(): AsyncGenerator<RawBatch> {
    const { footer, path } = this;
    const cols = footer.featureNames.length;
    const labelled = footer.labelName !== undefined;
    let pos = COLUMNAR_MAGIC.length;
    let rows = 0;
    for (let b = 0; b < footer.batches; b++) {
      const { kind, nonce, index, payload, next } = await readPiece(
        this.fh,
        pos,
        path,
        this.sealer,
      );
      if (kind !== KIND_BATCH || index !== b || !nonce.equals(this.nonce) || next > this.footerAt)
        throw new Error(`${path}: batch ${b} is out of place`);
      pos = next;
      const batch = splitBatch(payload, cols, labelled, path, b);
      rows += batch.ids.length;
      yield batch;
    }
    if (pos !== this.footerAt || rows !== footer.rows)
      throw new Error(`${path}: ${rows} rows in batches, the footer says ${footer.rows}`);
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}

/** One batch as read: its ids, and the little-endian f64 bytes of each array (views of the piece). */
export interface RawBatch {
  ids: string[];
  lines: Buffer;
  labels?: Buffer;
  columns: Buffer[];
}

function splitBatch(
  payload: Buffer,
  cols: number,
  labelled: boolean,
  path: string,
  b: number,
): RawBatch {
  const n = payload.readUInt32LE(0);
  const idBytes = payload.readUInt32LE(4);
  let off = 8;
  const ids = JSON.parse(payload.subarray(off, off + idBytes).toString('utf8')) as string[];
  off += idBytes;
  if (ids.length !== n || payload.length !== off + n * 8 * (1 + (labelled ? 1 : 0) + cols))
    throw new Error(`${path}: batch ${b} has the wrong size`);
  const take = () => {
    const bytes = payload.subarray(off, off + n * 8);
    off += n * 8;
    return bytes;
  };
  const lines = take();
  const labels = labelled ? take() : undefined;
  const columns = Array.from({ length: cols }, take);
  return { ids, lines, ...(labels ? { labels } : {}), columns };
}

/** Copies f64 bytes into `to` from index `at` (no intermediate array). */
function copyF64(bytes: Buffer, to: Float64Array, at: number): void {
  new Uint8Array(to.buffer, to.byteOffset + at * 8, bytes.length).set(bytes);
}

function decodeBatch(raw: RawBatch): Batch {
  const f64 = (bytes: Buffer) => {
    const a = new Float64Array(bytes.length / 8);
    copyF64(bytes, a, 0);
    return a;
  };
  return {
    ids: raw.ids,
    lines: f64(raw.lines),
    ...(raw.labels ? { labels: f64(raw.labels) } : {}),
    columns: raw.columns.map(f64),
  };
}

async function readPiece(
  fh: FileHandle,
  pos: number,
  path: string,
  sealer: PieceSealer,
): Promise<{ kind: number; nonce: Buffer; index: number; payload: Buffer; next: number }> {
  const len = (await readAt(fh, pos, 4, path)).readUInt32LE(0);
  const bytes = sealer.open(await readAt(fh, pos + 4, len, path), path);
  if (bytes.length < PIECE_HEAD) throw new Error(`${path}: a piece is too short`);
  return {
    kind: bytes.readUInt8(0),
    nonce: bytes.subarray(1, 17),
    index: bytes.readUInt32LE(17),
    payload: bytes.subarray(PIECE_HEAD),
    next: pos + 4 + len,
  };
}

/** Stored categorical codes → codes of ascending levels, in place (NaN stays missing). */
function recode(col: Float64Array, map: number[] | undefined): void {
  if (!map) return;
  for (let i = 0; i < col.length; i++) {
    const v = col[i] as number;
    if (!Number.isNaN(v)) col[i] = map[v] as number;
  }
}

/**
 * How a reader lays out a snapshot in memory: `'rows'` a row-major {@link Frame} (`x` filled
 * batch by batch: the table once), `'columns'` a column-backed one ({@link columnFrame}: one
 * array per column, `x` built only if a component reads it) for components that read columns.
 */
export type FrameLayout = 'rows' | 'columns';

/**
 * A columnar snapshot as a {@link Frame}, row-major or column-backed (`layout`).
 * @throws see {@link ColumnarSnapshotReader}.
 */
export async function readColumnarFrame(
  path: string,
  sealer: PieceSealer,
  layout: FrameLayout = 'rows',
): Promise<Frame> {
  const r = await ColumnarSnapshotReader.open(path, sealer);
  try {
    const f = r.footer;
    const cols = f.featureNames.length;
    const columns =
      layout === 'columns' ? f.featureNames.map(() => new Float64Array(f.rows)) : undefined;
    const data = columns ? undefined : new Float64Array(f.rows * cols);
    const labels = f.labelName !== undefined ? new Float64Array(f.rows) : undefined;
    const ids: string[] = new Array<string>(f.rows);
    let row = 0;
    let scratch = new Float64Array(0);
    for await (const b of r.rawBatches()) {
      const n = b.ids.length;
      for (let i = 0; i < n; i++) ids[row + i] = b.ids[i] as string;
      if (labels && b.labels) copyF64(b.labels, labels, row);
      b.columns.forEach((bytes, k) => {
        const map = f.codeMaps?.[f.featureNames[k] as string];
        if (columns) {
          // Straight from the piece into the column: one copy.
          const c = columns[k] as Float64Array;
          copyF64(bytes, c, row);
          recode(c.subarray(row, row + n), map);
        } else if (data) {
          if (scratch.length < n) scratch = new Float64Array(n);
          copyF64(bytes, scratch, 0);
          const c = scratch.subarray(0, n);
          recode(c, map);
          for (let i = 0; i < n; i++) data[(row + i) * cols + k] = c[i] as number;
        }
      });
      row += n;
    }
    const rest = {
      ids,
      featureNames: f.featureNames,
      ...(labels ? { labels, labelName: f.labelName } : {}),
      ...(f.columnTypes ? { columnTypes: f.columnTypes } : {}),
    };
    return columns
      ? columnFrame({ ...rest, columns })
      : { ...rest, x: { rows: f.rows, cols, data: data as Float64Array } };
  } finally {
    await r.close();
  }
}

/**
 * Writes `frame` as a columnar snapshot through `writer`, `batchRows` rows a piece, reading its
 * columns with {@link frameColumn} (a column-backed frame is never made row-major). Categorical
 * codes are stored as the frame holds them (ascending levels: no code maps).
 */
export async function writeColumnarFrame(
  writer: ColumnarSnapshotWriter,
  frame: Frame,
  batchRows = 32_768,
): Promise<void> {
  try {
    const rows = frame.ids.length;
    const columns = frame.featureNames.map((_, j) => frameColumn(frame, j));
    for (let at = 0; at < rows; at += batchRows) {
      const end = Math.min(rows, at + batchRows);
      const lines = new Float64Array(end - at);
      for (let i = 0; i < lines.length; i++) lines[i] = at + i + 1;
      await writer.writeBatch({
        ids: frame.ids.slice(at, end),
        lines,
        ...(frame.labels ? { labels: frame.labels.subarray(at, end) } : {}),
        columns: columns.map((c) => c.subarray(at, end)),
      });
    }
    await writer.commit(frame.columnTypes ? { columnTypes: frame.columnTypes } : {});
  } catch (err) {
    await writer.abort();
    throw err;
  }
}

/** Some columns of a snapshot, each its own array (no whole frame). */
export interface SnapshotColumns {
  rows: number;
  ids?: string[];
  labels?: Float64Array;
  /** By feature name, in the order asked. */
  columns: Map<string, Float64Array>;
  columnTypes: Record<string, ColumnType>;
}

/**
 * Reads the named feature columns (and the ids / labels when asked) of a columnar snapshot,
 * one batch at a time: memory is the columns asked for plus one batch.
 * @throws Error naming a column the snapshot does not have; see {@link ColumnarSnapshotReader}.
 */
export async function readColumnarColumns(
  path: string,
  sealer: PieceSealer,
  names: readonly string[],
  opts: { ids?: boolean; labels?: boolean } = {},
): Promise<SnapshotColumns> {
  const r = await ColumnarSnapshotReader.open(path, sealer);
  try {
    const f = r.footer;
    const at = names.map((n) => {
      const k = f.featureNames.indexOf(n);
      if (k < 0) throw new Error(`${path}: no column '${n}'`);
      return k;
    });
    const out = names.map(() => new Float64Array(f.rows));
    const ids: string[] | undefined = opts.ids ? new Array<string>(f.rows) : undefined;
    const labels = opts.labels && f.labelName !== undefined ? new Float64Array(f.rows) : undefined;
    let row = 0;
    for await (const b of r.rawBatches()) {
      const n = b.ids.length;
      at.forEach((k, j) => {
        const c = out[j] as Float64Array;
        copyF64(b.columns[k] as Buffer, c, row);
        recode(c.subarray(row, row + n), f.codeMaps?.[f.featureNames[k] as string]);
      });
      if (ids) for (let i = 0; i < n; i++) ids[row + i] = b.ids[i] as string;
      if (labels && b.labels) copyF64(b.labels, labels, row);
      row += b.ids.length;
    }
    const columnTypes: Record<string, ColumnType> = {};
    for (const n of names) if (f.columnTypes?.[n]) columnTypes[n] = f.columnTypes[n];
    return {
      rows: f.rows,
      ...(ids ? { ids } : {}),
      ...(labels ? { labels } : {}),
      columns: new Map(names.map((n, j) => [n, out[j] as Float64Array])),
      columnTypes,
    };
  } finally {
    await r.close();
  }
}
