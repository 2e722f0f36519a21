/**
 * The relay's directory (relay/relay-config.ts) and the node's `relay:` setting: a relay is
 * created with its own identity, inside nodes are added and replaced by id, bad entries are
 * refused with the field named and the file left as it was; a node's relay address and pinned
 * fingerprint come from fedgrid.yaml or the environment and are checked.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateFingerprint } from '@fedgrid/federation';
import {
  addRelayNode,
  FedGridError,
  firstContactServerName,
  parseRelaySpec,
  initRelay,
  loadConfig,
  loadRelayConfig,
  pinnedServerName,
  relaysOf,
} from '@fedgrid/node';

let root: string;
const FP_A = Array(32).fill('AB').join(':');
const FP_B = Array(32).fill('0C').join(':');

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fedgrid-relay-config-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

async function failure(p: Promise<unknown>): Promise<FedGridError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof FedGridError) return err;
    throw err;
  }
  throw new Error('expected a FedGridError');
}

describe('relay directory', () => {
  it('init writes relay.yaml and an identity whose fingerprint it returns; a second init is refused', async () => {
    const dir = join(root, 'relay');
    const r = await initRelay({ dir, id: 'dmz', tunnelPort: 17443 });
    const loaded = await loadRelayConfig(dir);
    expect(loaded.config.relay.id).toBe('dmz');
    expect(loaded.config.tunnel).toEqual({ host: '0.0.0.0', port: 17443 });
    expect(loaded.config.api.port).toBe(8443);
    expect(loaded.config.nodes).toEqual([]);
    expect(certificateFingerprint(await readFile(loaded.paths.cert, 'utf8'))).toBe(r.fingerprint);
    expect((await failure(initRelay({ dir }))).code).toBe('CONFLICT');
  });

  it('add-node adds, replaces an id case-insensitively, and refuses a bad fingerprint without touching the file', async () => {
    const dir = join(root, 'relay');
    await addRelayNode(dir, 'bank', FP_A);
    await addRelayNode(dir, 'grid', FP_A.toLowerCase());
    await addRelayNode(dir, 'BANK', FP_B);
    expect((await loadRelayConfig(dir)).config.nodes).toEqual([
      { id: 'grid', fingerprint: FP_A },
      { id: 'BANK', fingerprint: FP_B },
    ]);
    const before = await readFile(join(dir, 'relay.yaml'), 'utf8');
    const err = await failure(addRelayNode(dir, 'x', 'AB:CD'));
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.message).toContain('fingerprint');
    expect(await readFile(join(dir, 'relay.yaml'), 'utf8')).toBe(before);
  });

  it('refuses a relay.yaml listing one node id twice, naming the file and the entry', async () => {
    const dir = join(root, 'twice');
    await initRelay({ dir });
    const file = join(dir, 'relay.yaml');
    await writeFile(
      file,
      (await readFile(file, 'utf8')).replace(
        'nodes: []',
        `nodes:\n  - { id: bank, fingerprint: "${FP_A}" }\n  - { id: Bank, fingerprint: "${FP_B}" }`,
      ),
    );
    const err = await failure(loadRelayConfig(dir));
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.message).toContain(file);
    expect(err.message).toContain("node 'Bank' listed twice");
  });
});

describe("a node's relay setting", () => {
  const yaml = [
    'node: { id: bank, name: Bank }',
    'api: { host: 127.0.0.1, port: 8443 }',
    'dataPlane: { host: 127.0.0.1, port: 9443 }',
    '',
  ].join('\n');

  it('comes from the environment or the file, and a bad fingerprint or address is refused by name', async () => {
    const dir = join(root, 'node');
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir);
    await writeFile(join(dir, 'fedgrid.yaml'), yaml);
    expect((await loadConfig(dir, {})).config.relay).toBeUndefined();
    const c = await loadConfig(dir, {
      FEDGRID_RELAY_ADDRESS: 'relay.dmz.example:7443',
      FEDGRID_RELAY_FINGERPRINT: FP_A,
    });
    expect(c.config.relay).toEqual({ address: 'relay.dmz.example:7443', fingerprint: FP_A });
    const bad = await failure(
      loadConfig(dir, {
        FEDGRID_RELAY_ADDRESS: 'relay.dmz.example',
        FEDGRID_RELAY_FINGERPRINT: 'AB',
      }),
    );
    expect(bad.code).toBe('VALIDATION_FAILED');
    expect(bad.message).toContain('relay.address');
    expect(bad.message).toContain('relay.fingerprint');
  });

  it('lists further relays in relays (one tunnel each), refusing one listed twice by name', async () => {
    const dir = join(root, 'two-relays');
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir);
    const two = `${yaml}relay: { address: "a.dmz:7443", fingerprint: "${FP_A}" }\nrelays:\n  - { address: "b.dmz:7443", fingerprint: "${FP_B}" }\n`;
    await writeFile(join(dir, 'fedgrid.yaml'), two);
    const c = (await loadConfig(dir, {})).config;
    expect(relaysOf(c)).toEqual([
      { address: 'a.dmz:7443', fingerprint: FP_A },
      { address: 'b.dmz:7443', fingerprint: FP_B },
    ]);
    // relays alone is enough; the same relay named in both places is one tunnel.
    expect(relaysOf({ relays: [{ address: 'b.dmz:7443', fingerprint: FP_B }] })).toHaveLength(1);
    expect(relaysOf({ relay: c.relay, relays: [c.relay!, ...c.relays] })).toHaveLength(2);
    await writeFile(
      join(dir, 'fedgrid.yaml'),
      `${two}  - { address: "b.dmz:7443", fingerprint: "${FP_A}" }\n`,
    );
    const err = await failure(loadConfig(dir, {}));
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.message).toContain('relay b.dmz:7443 listed twice');
  });

  it('takes the relay list from FEDGRID_RELAYS (host:port#FINGERPRINT, comma or space separated), refusing a bad entry by variable and entry', async () => {
    const dir = join(root, 'env-relays');
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir);
    await writeFile(
      join(dir, 'fedgrid.yaml'),
      `${yaml}relays:\n  - { address: "file.dmz:7443", fingerprint: "${FP_A}" }\n`,
    );
    const c = await loadConfig(dir, {
      FEDGRID_RELAYS: `a.dmz:7443#${FP_A.toLowerCase()}, [fd00::7]:7443#${FP_B}\n`,
    });
    // The variable replaces the file's list; fingerprints are upper-cased.
    expect(relaysOf(c.config)).toEqual([
      { address: 'a.dmz:7443', fingerprint: FP_A },
      { address: '[fd00::7]:7443', fingerprint: FP_B },
    ]);
    expect((await loadConfig(dir, { FEDGRID_RELAYS: '' })).config.relays).toEqual([
      { address: 'file.dmz:7443', fingerprint: FP_A },
    ]);
    const noHash = await failure(loadConfig(dir, { FEDGRID_RELAYS: `a.dmz:7443 ${FP_A}` }));
    expect(noHash.code).toBe('VALIDATION_FAILED');
    expect(noHash.message).toContain("FEDGRID_RELAYS entry 1 'a.dmz:7443' has no '#FINGERPRINT'");
    const badPort = await failure(
      loadConfig(dir, { FEDGRID_RELAYS: `a.dmz:7443#${FP_A} b.dmz#${FP_B}` }),
    );
    expect(badPort.message).toContain("FEDGRID_RELAYS entry 2 'b.dmz#");
    expect(badPort.message).toContain('address: host:port');
    const twice = await failure(
      loadConfig(dir, { FEDGRID_RELAYS: `a.dmz:7443#${FP_A},a.dmz:7443#${FP_B}` }),
    );
    expect(twice.message).toContain(
      'relays.1.address (from FEDGRID_RELAYS): relay a.dmz:7443 listed twice',
    );
    expect(parseRelaySpec(` r.dmz:7443#${FP_B} `, '--relay')).toEqual({
      address: 'r.dmz:7443',
      fingerprint: FP_B,
    });
    expect(() => parseRelaySpec('r.dmz:7443#AB:CD', '--relay')).toThrow(
      /--relay 'r\.dmz:7443#AB:CD': fingerprint: a SHA-256 fingerprint/,
    );
  });

  it('partner calls send <node id>.fedgrid as server name; a first contact its DNS name, never an IP', () => {
    expect(pinnedServerName('bank')).toBe('bank.fedgrid');
    expect(firstContactServerName('https://bank.relay.example.org:8443')).toBe(
      'bank.relay.example.org',
    );
    expect(firstContactServerName('https://10.0.0.7:8443')).toBe('fedgrid');
    expect(firstContactServerName('https://[::1]:8443')).toBe('fedgrid');
  });
});
