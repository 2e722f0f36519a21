import { fileURLToPath } from 'node:url';

/** The bundled sample data (FATE's hetero splits; attribution in examples/data/fate/README.md). */
export const SAMPLE_DIR = fileURLToPath(
  new URL('../../../../examples/data/fate/', import.meta.url),
);
