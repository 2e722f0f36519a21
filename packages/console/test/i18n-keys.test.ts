/**
 * zh-CN and en-US carry the same message keys, every message is a non-empty string, and the
 * `{{placeholders}}` of each message match between the languages.
 */
import { describe, expect, it } from 'vitest';
import enUS from '../src/i18n/en-US.js';
import zhCN from '../src/i18n/zh-CN.js';

/** `a.b.c` → message, for every leaf. */
function flatten(obj: unknown, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object') for (const [kk, vv] of flatten(v, key)) out.set(kk, vv);
    else out.set(key, v);
  }
  return out;
}

const placeholders = (s: unknown) =>
  [...String(s).matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]).sort();

describe('console messages', () => {
  const zh = flatten(zhCN);
  const en = flatten(enUS);

  it('en-US has every zh-CN key and no other', () => {
    expect(
      [...zh.keys()].filter((k) => !en.has(k)),
      'missing in en-US',
    ).toEqual([]);
    expect(
      [...en.keys()].filter((k) => !zh.has(k)),
      'missing in zh-CN',
    ).toEqual([]);
    expect(zh.size).toBeGreaterThan(100);
  });

  it('every message is a non-empty string with the same placeholders in both languages', () => {
    for (const [k, v] of zh) {
      expect(typeof v === 'string' && v.trim() !== '', `zh-CN ${k}`).toBe(true);
      expect(typeof en.get(k) === 'string' && String(en.get(k)).trim() !== '', `en-US ${k}`).toBe(
        true,
      );
      expect(placeholders(en.get(k)), k).toEqual(placeholders(v));
    }
  });

  it('the comparison notices a missing key', () => {
    const broken = flatten({ ...enUS, app: { ...enUS.app, title: undefined } });
    expect([...zh.keys()].filter((k) => broken.get(k) === undefined)).toEqual(['app.title']);
  });
});
