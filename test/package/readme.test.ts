// The README's examples run as written, from the sources of this checkout (their 'disco-diff'
// imports point at src/); test/package/pack.test.ts type-checks them against the shipped types.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readmeExamples } from './readme.js';

const SRC = join(import.meta.dirname, '..', '..', 'src');

/** What each example prints, by its README heading. */
const PRINTS: Record<string, RegExp> = {
  'Use it as a library': /^samples \[ 2000, 2 \] codes used \d NFE 99$/m,
  'Docking from code': /^8 poses; best -?\d+\.\d kcal\/mol; 8 in the SDF$/m,
};

test('the README has its two examples', () => {
  assert.deepEqual(readmeExamples().map((e) => e.heading), Object.keys(PRINTS));
});

for (const { heading, code } of readmeExamples()) {
  test(`the README example "${heading}" runs and prints what it says`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'readme-'));
    try {
      const file = join(dir, 'example.ts');
      writeFileSync(file, code.replace(/from 'disco-diff(?:\/([a-z]+))?'/g, (_, sub?: string) =>
        `from '${pathToFileURL(join(SRC, sub ?? '', 'index.ts')).href}'`));
      // From the checkout's root, as a reader runs them (the docking example reads models/ and data/).
      const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), file],
        { cwd: join(SRC, '..'), encoding: 'utf8', env: { DISCO_THREADS: '1', ...process.env } });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, PRINTS[heading] ?? /^$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
