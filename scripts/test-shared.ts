// Runs the test files named on the command line in this one process (scripts/test.sh): loading
// libtorch costs each process about a second. Each file is a suite of its own, so its tests and
// top-level hooks stay together, and it starts at the default thread count (a file that wants one
// thread sets it in a `before` hook). Every suite waits until all files are imported, so no file's
// top-level code runs while another file's tests do.
import assert from 'node:assert/strict';
import { before, describe } from 'node:test';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setNumThreads, threadsFromEnv } from '../src/engine/index.js';

const files = process.argv.slice(2);
process.setMaxListeners(0); // many files add an exit listener each (to remove their temporary folders)
const imports: Promise<unknown>[] = [];
let all: Promise<unknown> | undefined;
for (const file of files) {
  describe(file, async () => {
    before(() => setNumThreads(threadsFromEnv()));
    // Imported here, inside the suite, so that the file's tests register under it.
    const mine = import(pathToFileURL(resolve(file)).href);
    imports.push(mine.catch(() => undefined));
    await mine;
    await all;
  });
}
assert.equal(imports.length, files.length, 'node:test no longer builds a suite when describe() is called');
all = Promise.all(imports);
