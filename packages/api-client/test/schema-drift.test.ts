/**
 * packages/api-client/src/schema.ts is generated from docs/openapi.json: this test fails when
 * the two have drifted (a route changed without `npm run openapi`, or the file was edited by
 * hand), and checks that the check itself notices a change of the API description.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../scripts/generate.mjs', import.meta.url));
const spec = fileURLToPath(new URL('../../../docs/openapi.json', import.meta.url));
const schema = fileURLToPath(new URL('../src/schema.ts', import.meta.url));
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function check(specPath: string, outPath: string): Promise<{ ok: boolean; stderr: string }> {
  try {
    await run(process.execPath, [script, '--check', '--spec', specPath, '--out', outPath]);
    return { ok: true, stderr: '' };
  } catch (e) {
    return { ok: false, stderr: String((e as { stderr?: string }).stderr) };
  }
}

describe('generated API types', () => {
  it('src/schema.ts matches docs/openapi.json (else run `npm run openapi:client`)', async () => {
    const r = await check(spec, schema);
    expect(r.stderr).toBe('');
    expect(r.ok).toBe(true);
  });

  it('the check fails when the API description gains a route', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fedgrid-api-client-'));
    dirs.push(dir);
    const doc = JSON.parse(await readFile(spec, 'utf8')) as { paths: Record<string, unknown> };
    doc.paths['/v1/drift-probe'] = { get: { responses: { '200': { description: 'probe' } } } };
    const changed = join(dir, 'openapi.json');
    await writeFile(changed, JSON.stringify(doc));
    const r = await check(changed, schema);
    expect(r.ok).toBe(false);
    expect(r.stderr).toMatch(/out of date.*npm run openapi:client/);
  });
});
