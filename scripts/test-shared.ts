// Runs the test files named on the command line in this one process (scripts/test.sh): loading
// libtorch costs each process about a second. Each file is a suite of its own, so its tests and
// top-level hooks stay together. Every suite waits until all files are imported, so no file's
// top-level code runs while another file's tests do.
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const files = process.argv.slice(2);
process.setMaxListeners(0); // many files add an exit listener each (to remove their temporary folders)
const imports: Promise<unknown>[] = [];
let all: Promise<unknown> | undefined;
for (const file of files) {
  describe(file, async () => {
    // Imported here, inside the suite, so that the file's tests register under it.
    const mine = import(pathToFileURL(resolve(file)).href);
    imports.push(mine.catch(() => undefined));
    await mine;
    await all;
  });
}
assert.equal(imports.length, files.length, 'node:test no longer builds a suite when describe() is called');
all = Promise.all(imports);
