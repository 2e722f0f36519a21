/** Where a command's CSV goes: a file (written whole, then announced on stderr) or stdout. */
import { writeFile } from 'node:fs/promises';

/** Writes `text` to `file` (replacing it), or to standard output without a file. */
export async function writeCsv(text: string, file?: string): Promise<void> {
  if (!file) {
    process.stdout.write(text);
    return;
  }
  await writeFile(file, text);
  const rows = text.split('\n').length - 2;
  process.stderr.write(`wrote ${rows} rows to ${file}\n`);
}
