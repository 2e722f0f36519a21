/**
 * Binary snapshot of a registered dataset, so that jobs read exactly what was validated at
 * registration (even if the source CSV changes) without parsing text again.
 *
 * Registration writes the columnar format (columnar-snapshot.ts, "FGDS3"); task outputs still
 * use this one, and both are read by {@link readSnapshot}.
 *
 * Layout: "FGDS2\n" | u32 headerBytes | header JSON (rows, names, column types) | ids (UTF-8 JSON array of strings) |
 *         labels (f64 × rows, if any) | features (f64 × rows × cols, row-major); little-endian.
 */
import { open, readFile } from 'node:fs/promises';
import { columnFrame, type ColumnType, type Frame } from '@fedgrid/ml';
import {
  COLUMNAR_MAGIC,
  PLAIN_PIECES,
  isColumnarSnapshot,
  readColumnarColumns,
  readColumnarFrame,
  type FrameLayout,
  type PieceSealer,
  type SnapshotColumns,
} from './columnar-snapshot.js';
import { writeFileAtomic } from '../storage/files.js';

const MAGIC = Buffer.from('FGDS2\n');

interface Header {
  rows: number;
  featureNames: string[];
  labelName?: string;
  idBytes: number;
  /** Non-numeric columns (categories with their levels, booleans, dates); absent: all numeric. */
  columnTypes?: Record<string, ColumnType>;
}

/** Writes the buffers of one file (see NodeFiles.write). */
export type WriteFile = (path: string, parts: readonly Uint8Array[]) => Promise<void>;

/**
 * Writes `frame` to `path` completely and atomically (temp file written in full, fsync, rename,
 * directory fsync; the temp file removed on error) through `write`.
 * @default write {@link writeFileAtomic} with mode 0600
 */
export async function writeSnapshot(
  path: string,
  frame: Frame,
  write: WriteFile = (p, parts) => writeFileAtomic(p, parts),
): Promise<void> {
  // JSON, not a separator: ids may contain any character, line breaks included.
  const idBuf = Buffer.from(JSON.stringify(frame.ids), 'utf8');
  const header: Header = {
    rows: frame.ids.length,
    featureNames: frame.featureNames,
    ...(frame.labels ? { labelName: frame.labelName } : {}),
    idBytes: idBuf.length,
    ...(frame.columnTypes ? { columnTypes: frame.columnTypes } : {}),
  };
  const hbuf = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(hbuf.length);
  const parts: Uint8Array[] = [MAGIC, len, hbuf, idBuf];
  if (frame.labels)
    parts.push(Buffer.from(frame.labels.buffer, frame.labels.byteOffset, frame.labels.byteLength));
  parts.push(Buffer.from(frame.x.data.buffer, frame.x.data.byteOffset, frame.x.data.byteLength));
  await write(path, parts);
}

/** Whether the file at `path` is a columnar (FGDS3) snapshot. */
async function columnar(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(COLUMNAR_MAGIC.length);
    await fh.read(head, 0, head.length, 0);
    return isColumnarSnapshot(head);
  } finally {
    await fh.close();
  }
}

/**
 * Reads a snapshot of either format: columnar (FGDS3, what registration writes) or the
 * row-major FGDS2 (task outputs, and datasets registered before the columnar format).
 * @param read how an FGDS2 file is read (NodeFiles.read opens sealed files). @default readFile
 * @param pieces how an FGDS3 file's pieces are opened (NodeFiles.openPiece). @default as they are
 * @param layout row-major or column-backed frame (see FrameLayout). @default 'rows'
 * @throws Error if the file is not a snapshot or is truncated.
 */
export async function readSnapshot(
  path: string,
  read: (path: string) => Promise<Buffer> = (p) => readFile(p),
  pieces: PieceSealer = PLAIN_PIECES,
  layout: FrameLayout = 'rows',
): Promise<Frame> {
  if (await columnar(path)) return readColumnarFrame(path, pieces, layout);
  const f = await readRowMajorSnapshot(path, read);
  if (layout === 'rows') return f;
  const { rows, cols, data } = f.x;
  const columns = f.featureNames.map((_, j) => {
    const c = new Float64Array(rows);
    for (let i = 0; i < rows; i++) c[i] = data[i * cols + j] as number;
    return c;
  });
  return columnFrame({
    ids: f.ids,
    columns,
    featureNames: f.featureNames,
    ...(f.labels ? { labels: f.labels, labelName: f.labelName } : {}),
    ...(f.columnTypes ? { columnTypes: f.columnTypes } : {}),
  });
}

/** An FGDS2 snapshot as a row-major frame. */
async function readRowMajorSnapshot(
  path: string,
  read: (path: string) => Promise<Buffer>,
): Promise<Frame> {
  const buf = await read(path);
  if (!buf.subarray(0, MAGIC.length).equals(MAGIC))
    throw new Error(`${path} is not a FedGrid dataset snapshot`);
  let off = MAGIC.length;
  const hlen = buf.readUInt32LE(off);
  off += 4;
  const header = JSON.parse(buf.subarray(off, off + hlen).toString('utf8')) as Header;
  off += hlen;
  const ids = JSON.parse(buf.subarray(off, off + header.idBytes).toString('utf8')) as string[];
  if (ids.length !== header.rows)
    throw new Error(`${path}: ${ids.length} ids for ${header.rows} rows`);
  off += header.idBytes;
  const cols = header.featureNames.length;
  const take = (count: number) => {
    const bytes = count * 8;
    if (off + bytes > buf.length) throw new Error(`${path} is truncated`);
    const arr = new Float64Array(count);
    Buffer.from(arr.buffer).set(buf.subarray(off, off + bytes));
    off += bytes;
    return arr;
  };
  const labels = header.labelName !== undefined ? take(header.rows) : undefined;
  const data = take(header.rows * cols);
  return {
    ids,
    x: { rows: header.rows, cols, data },
    featureNames: header.featureNames,
    ...(labels ? { labels, labelName: header.labelName } : {}),
    ...(header.columnTypes ? { columnTypes: header.columnTypes } : {}),
  };
}

/**
 * The named feature columns of a snapshot (and its ids / labels when asked), each its own
 * array: read batch by batch from a columnar snapshot; an FGDS2 snapshot is read whole first.
 * @throws Error naming a column the snapshot does not have; see {@link readSnapshot}.
 */
export async function readSnapshotColumns(
  path: string,
  names: readonly string[],
  opts: { ids?: boolean; labels?: boolean } = {},
  read: (path: string) => Promise<Buffer> = (p) => readFile(p),
  pieces: PieceSealer = PLAIN_PIECES,
): Promise<SnapshotColumns> {
  if (await columnar(path)) return readColumnarColumns(path, pieces, names, opts);
  const f = await readSnapshot(path, read, pieces);
  const columns = new Map<string, Float64Array>();
  const columnTypes: Record<string, ColumnType> = {};
  for (const n of names) {
    const k = f.featureNames.indexOf(n);
    if (k < 0) throw new Error(`${path}: no column '${n}'`);
    const c = new Float64Array(f.x.rows);
    for (let i = 0; i < f.x.rows; i++) c[i] = f.x.data[i * f.x.cols + k] as number;
    columns.set(n, c);
    if (f.columnTypes?.[n]) columnTypes[n] = f.columnTypes[n];
  }
  return {
    rows: f.x.rows,
    ...(opts.ids ? { ids: f.ids } : {}),
    ...(opts.labels && f.labels ? { labels: f.labels } : {}),
    columns,
    columnTypes,
  };
}
