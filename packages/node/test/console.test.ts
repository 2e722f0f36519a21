/**
 * The web console served by the node (CONTRACTS.md "Console"): `GET /` answers the page, its
 * scripts and styles load from the same origin, client-side routes get the page too, and the
 * API's namespace keeps its JSON 404s. Needs the console's build (packages/console/dist, made by
 * `npm ci` / `npm run build`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CSP, consoleDist } from '../dist/console/console.routes.js';
import { TestNodes, type TestNode } from './nodes.js';

const nodes = new TestNodes();
let a: TestNode;

beforeAll(async () => {
  a = await nodes.start('console-a');
});
afterAll(async () => {
  await nodes.close();
});

const get = (url: string, headers: Record<string, string> = {}) =>
  a.node.app.inject({ method: 'GET', url, headers });

/** Every script, module preload and stylesheet URL of the page. */
function assetUrls(html: string): string[] {
  const urls = [...html.matchAll(/<(?:script|link)\b[^>]*?\s(?:src|href)="([^"]+)"/g)].map(
    (m) => m[1]!,
  );
  return urls;
}

describe('console at /', () => {
  it('is built (packages/console/dist/index.html, found through the package)', () => {
    expect(consoleDist(), 'run `npm run build` to build the console').toMatch(/console[/\\]dist$/);
  });

  it('GET / answers the HTML page without a token, with a same-origin-only CSP', async () => {
    const r = await get('/');
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/html/);
    expect(r.body).toMatch(/<div id="root"><\/div>/);
    expect(r.headers['content-security-policy']).toBe(CONSOLE_CSP);
    expect(r.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it("the page's scripts and styles are root-relative and load with 200", async () => {
    const html = (await get('/')).body;
    const urls = assetUrls(html);
    expect(urls.some((u) => u.endsWith('.js'))).toBe(true);
    for (const u of urls) {
      // Same origin: a path on this node, never another host or scheme.
      expect(u, u).toMatch(/^\/(?!\/)/);
      const r = await get(u);
      expect(r.statusCode, u).toBe(200);
      expect(r.headers['content-type'], u).toMatch(u.endsWith('.css') ? /text\/css/ : /javascript/);
      expect(r.body.length, u).toBeGreaterThan(0);
    }
  });

  it('client-side routes get the page; unknown API paths keep the JSON 404', async () => {
    const page = await get('/jobs/some-job');
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/<div id="root">/);
    for (const url of ['/v1/nope', '/v1', '/v1/jobs/x/nope/deeper', '/v1/interconn/nope']) {
      const r = await get(url);
      expect(r.statusCode, url).toBe(404);
      expect(r.json(), url).toEqual({ code: 'NOT_FOUND', message: `no route GET ${url}` });
    }
    const post = await a.node.app.inject({ method: 'POST', url: '/jobs', payload: {} });
    expect(post.statusCode).toBe(404);
    expect(post.json().code).toBe('NOT_FOUND');
  });

  it('missing files are a JSON 404 and paths cannot leave the build folder', async () => {
    const missing = await get('/assets/nope-123.js');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('NOT_FOUND');
    for (const url of [
      '/assets/../../package.json',
      '/%2e%2e/%2e%2e/package.json',
      '/..%2fpackage.json',
    ]) {
      const r = await get(url);
      expect(r.body, url).not.toContain('"@fedgrid/console"');
    }
  });

  it('API routes are unchanged: they still need the admin token', async () => {
    const r = await get('/v1/node');
    expect(r.statusCode).toBe(401);
    expect((await a.call('GET', '/v1/node')).status).toBe(200);
  });
});
