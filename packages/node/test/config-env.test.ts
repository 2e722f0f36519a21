/**
 * Configuration from environment variables (config/config-env.ts): each FEDGRID_* variable
 * overrides its fedgrid.yaml setting at load time, bad values are refused naming the variable,
 * and the file itself is left as it was.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FedGridError, loadConfig } from '@fedgrid/node';

let dir: string;
const YAML = [
  'node: { id: box, name: Box }',
  'api: { host: 127.0.0.1, port: 8443 }',
  'dataPlane: { host: 127.0.0.1, port: 9443 }',
  '',
].join('\n');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fedgrid-config-env-'));
  await writeFile(join(dir, 'fedgrid.yaml'), YAML);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

it('overrides settings from the environment, never from an empty variable, and leaves the file alone', async () => {
  const c = await loadConfig(dir, {
    FEDGRID_API_HOST: '0.0.0.0',
    FEDGRID_API_PORT: '18443',
    FEDGRID_DATA_PORT: '19443',
    FEDGRID_ADVERTISE_API_URL: 'https://box.example:443',
    FEDGRID_DATABASE_SCHEMA: 'node_box',
    FEDGRID_LOG_LEVEL: 'warn',
    FEDGRID_MAX_CONCURRENT_JOBS: '5',
    FEDGRID_SERVING_GRPC_PORT: '-1',
    FEDGRID_IDENTITY_KEY: '/etc/fedgrid/key.pem',
    FEDGRID_NODE_NAME: '',
  });
  expect(c.config.api).toEqual({ host: '0.0.0.0', port: 18443 });
  expect(c.config.dataPlane.port).toBe(19443);
  expect(c.config.advertise.apiUrl).toBe('https://box.example:443');
  expect(c.config.storage.databaseSchema).toBe('node_box');
  expect(c.config.log.level).toBe('warn');
  expect(c.config.runtime.maxConcurrentJobs).toBe(5);
  expect(c.config.serving.grpcPort).toBe(-1);
  expect(c.paths.key).toBe('/etc/fedgrid/key.pem');
  expect(c.config.node.name).toBe('Box'); // empty: unset
  expect(await readFile(join(dir, 'fedgrid.yaml'), 'utf8')).toBe(YAML);
  const plain = await loadConfig(dir, {});
  expect(plain.config.api.port).toBe(8443);
});

it('refuses a bad value naming the variable', async () => {
  const notInt = await loadConfig(dir, { FEDGRID_API_PORT: '84a3' }).catch((e: unknown) => e);
  expect(notInt).toBeInstanceOf(FedGridError);
  expect((notInt as Error).message).toContain('FEDGRID_API_PORT must be an integer');
  const outOfRange = await loadConfig(dir, { FEDGRID_API_PORT: '70000' }).catch((e: unknown) => e);
  expect((outOfRange as Error).message).toMatch(/api\.port \(from FEDGRID_API_PORT\)/);
  const level = await loadConfig(dir, { FEDGRID_LOG_LEVEL: 'loud' }).catch((e: unknown) => e);
  expect((level as FedGridError).code).toBe('VALIDATION_FAILED');
  expect((level as Error).message).toMatch(/log\.level \(from FEDGRID_LOG_LEVEL\)/);
  const schema = await loadConfig(dir, { FEDGRID_DATABASE_SCHEMA: 'Bad-Name' }).catch(
    (e: unknown) => e,
  );
  expect((schema as Error).message).toContain('FEDGRID_DATABASE_SCHEMA');
});
