/**
 * A relay an inside node keeps a tunnel to (docs/protocols/relay.md), as fedgrid.yaml writes it
 * (`relay:`, `relays:`) and as one word on a command line or in an environment variable:
 * `host:port#FINGERPRINT` — `fedgrid node init --relay` and FEDGRID_RELAYS.
 */
import { z } from 'zod';
import { FedGridError } from '../errors/errors.js';

/** One relay: its tunnel port and the SHA-256 fingerprint of its certificate. */
export const relaySettingSchema = z.object({
  /** The relay's tunnel port, `host:port`. */
  address: z
    .string()
    .regex(/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/, 'host:port, e.g. relay.example.org:7443'),
  /** SHA-256 fingerprint of the relay's certificate (`fedgrid relay init` prints it). */
  fingerprint: z
    .string()
    .regex(
      /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/,
      'a SHA-256 fingerprint, 32 upper-case hex bytes separated by ":" (as `fedgrid relay init` prints it)',
    ),
});

export type RelaySetting = z.infer<typeof relaySettingSchema>;

/**
 * Reads one relay written `host:port#FINGERPRINT` (the fingerprint in either case).
 * @param where names the source in the error, e.g. `--relay` or `FEDGRID_RELAYS entry 2`.
 * @throws FedGridError VALIDATION_FAILED saying which part is wrong and the form expected.
 */
export function parseRelaySpec(spec: string, where: string): RelaySetting {
  const text = spec.trim();
  const hash = text.indexOf('#');
  const form = 'expected host:port#FINGERPRINT, e.g. relay.dmz.example:7443#28:B0:…:9F';
  if (hash < 0)
    throw new FedGridError(
      'VALIDATION_FAILED',
      `${where} '${text.slice(0, 120)}' has no '#FINGERPRINT' (${form}; \`fedgrid relay init\` prints the fingerprint)`,
      { where },
    );
  const parsed = relaySettingSchema.safeParse({
    address: text.slice(0, hash),
    fingerprint: text.slice(hash + 1).toUpperCase(),
  });
  if (!parsed.success)
    throw new FedGridError(
      'VALIDATION_FAILED',
      `${where} '${text.slice(0, 120)}': ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')} (${form})`,
      { where },
    );
  return parsed.data;
}

/**
 * Reads a list of relays separated by commas or white space (an environment variable's value).
 * @param name the variable, named in errors.
 * @throws FedGridError VALIDATION_FAILED naming the variable and the entry (1-based).
 */
export function parseRelayList(text: string, name: string): RelaySetting[] {
  return text
    .split(/[\s,]+/)
    .filter((s) => s !== '')
    .map((s, i) => parseRelaySpec(s, `${name} entry ${i + 1}`));
}
