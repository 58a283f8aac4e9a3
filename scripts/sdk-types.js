// Generates the SDK's declarations (sdk/latchkey.d.ts, sdk/src/*.d.ts) from
// its JSDoc with tsc and tsconfig.types.json. With --check, writes nothing and
// fails when the committed declarations differ from freshly generated ones.
//
// tsc runs on a copy of the sources in a temporary folder: in the repository,
// the committed .d.ts files would shadow the .js files they were made from.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');

/**
 * The SDK's declaration files under `dir`, by path relative to it.
 * @param {string} dir a folder laid out like the repository's `sdk/`
 * @returns {Map<string, string>}
 */
function declarations(dir) {
  const files = new Map();
  files.set('latchkey.d.ts', readOrEmpty(path.join(dir, 'latchkey.d.ts')));
  for (const name of readdirSync(path.join(dir, 'src')).filter((n) => n.endsWith('.d.ts')).sort()) {
    files.set(`src/${name}`, readFileSync(path.join(dir, 'src', name), 'utf8'));
  }
  return files;
}

/** @param {string} file */
function readOrEmpty(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

const work = mkdtempSync(path.join(tmpdir(), 'latchkey-types-'));
try {
  cpSync(path.join(root, 'tsconfig.types.json'), path.join(work, 'tsconfig.types.json'));
  cpSync(path.join(root, 'sdk/latchkey.js'), path.join(work, 'sdk/latchkey.js'));
  cpSync(path.join(root, 'sdk/src'), path.join(work, 'sdk/src'), {
    recursive: true,
    filter: (source) => !source.endsWith('.d.ts'),
  });
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(work, 'tsconfig.types.json')], {
    stdio: 'inherit',
  });
  const fresh = declarations(path.join(work, 'sdk'));
  const committed = declarations(path.join(root, 'sdk'));
  const names = [...new Set([...fresh.keys(), ...committed.keys()])].sort();
  const differing = names.filter((name) => fresh.get(name) !== committed.get(name));
  if (check) {
    if (differing.length > 0) {
      console.error(`The SDK's declarations are out of date (${differing.map((n) => `sdk/${n}`).join(', ')}); run \`npm run types\` and commit the result.`);
      process.exitCode = 1;
    }
  } else {
    for (const name of differing) {
      const target = path.join(root, 'sdk', name);
      if (fresh.has(name)) writeFileSync(target, /** @type {string} */ (fresh.get(name)));
      else unlinkSync(target);
    }
    console.log(differing.length ? `updated ${differing.map((n) => `sdk/${n}`).join(', ')}` : 'declarations already up to date');
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
