#!/usr/bin/env node
/**
 * Generates packages/api-client/src/schema.ts (the node API's paths, parameters and request
 * bodies as TypeScript types) from docs/openapi.json with openapi-typescript, formatted with the
 * repository's prettier settings.
 *
 *   node packages/api-client/scripts/generate.mjs            write src/schema.ts
 *   node packages/api-client/scripts/generate.mjs --check    exit 1 when src/schema.ts is stale
 *   ... --spec <openapi.json> --out <schema.ts>              other files (the drift test uses them)
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import * as prettier from 'prettier';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i === -1 ? dflt : args[i + 1];
};
const spec = opt('--spec', `${root}docs/openapi.json`);
const out = opt('--out', fileURLToPath(new URL('../src/schema.ts', import.meta.url)));

const HEADER =
  '/**\n * Generated from docs/openapi.json by packages/api-client/scripts/generate.mjs\n' +
  ' * (`npm run openapi:client`). Do not edit: change the routes, then run `npm run openapi`.\n */\n\n';

const ast = await openapiTS(JSON.parse(await readFile(spec, 'utf8')), {
  alphabetize: true,
});
const config = (await prettier.resolveConfig(out)) ?? {};
const text = await prettier.format(HEADER + astToString(ast), { ...config, filepath: out });

if (args.includes('--check')) {
  let current = '';
  try {
    current = await readFile(out, 'utf8');
  } catch {
    // missing: stale
  }
  if (current !== text) {
    console.error(
      `${out} is out of date with ${spec}: run \`npm run openapi:client\` and commit the result`,
    );
    process.exit(1);
  }
  console.log(`${out} matches ${spec}`);
} else {
  await writeFile(out, text);
  console.log(`wrote ${out}`);
}
