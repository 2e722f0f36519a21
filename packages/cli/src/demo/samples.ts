import { fileURLToPath } from 'node:url';

/** The bundled sample data (FATE's hetero splits; attribution in examples/data/fate/README.md). */
export const SAMPLE_DIR = fileURLToPath(
  new URL('../../../../examples/data/fate/', import.meta.url),
);

/** The bundled energy data (attribution in examples/data/energy/README.md). */
export const ENERGY_DIR = fileURLToPath(
  new URL('../../../../examples/data/energy/', import.meta.url),
);

/**
 * The bundled German credit data split vertically (UCI Statlog, CC BY 4.0; attribution and the
 * split in examples/data/credit/README.md): `fedgrid demo --data german-credit`.
 */
export const CREDIT_DIR = fileURLToPath(
  new URL('../../../../examples/data/credit/', import.meta.url),
);

/** The bundled emissions slice of the MPC demo (attribution in examples/data/emissions/README.md). */
export const EMISSIONS_DIR = fileURLToPath(
  new URL('../../../../examples/data/emissions/', import.meta.url),
);
