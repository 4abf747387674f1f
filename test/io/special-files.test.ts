// Special files (issue #27 H1, L4). Writing to a FIFO or a character device (/dev/null, /dev/full)
// goes through to it; the atomic temp-file-and-rename must never replace it, and other special
// files are refused. Readers refuse anything but a regular file instead of blocking on a FIFO or
// reading /dev/zero without end, and a config has a size cap. /dev/null and /dev/full are reached
// through symlinks, so code that wrongly replaced its target would replace only the link.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { arange, tensor } from '../../src/engine/index.js';
import { loadCheckpoint, loadNpy, saveNpy, saveSafetensors } from '../../src/io/index.js';
import { MAX_WHOLE_FILE } from '../../src/io/read.js';
import { loadConfig } from '../../src/config/load.js';

const dir = mkdtempSync(join(tmpdir(), 'dd-special-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** A new FIFO in the test folder. */
function fifo(name: string): string {
  const path = join(dir, name);
  execFileSync('mkfifo', [path]);
  return path;
}

/** Waits up to `ms` for `child` to exit; kills it if it is still running then. */
async function finish(child: ChildProcess, ms = 5000): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    await once(child, 'exit');
    clearTimeout(timer);
  }
}

test('a FIFO is written through, not replaced: its reader gets exactly the file', async () => {
  const x = arange(0, 6, 1, { dtype: 'float32' }).reshape(2, 3);
  const plain = join(dir, 'plain.npy');
  saveNpy(plain, x);
  const pipe = fifo('samples.npy');
  const reader = spawn('cat', [pipe]);
  const got: Buffer[] = [];
  reader.stdout.on('data', (b: Buffer) => got.push(b));
  try {
    saveNpy(pipe, x);
  } finally {
    await finish(reader);
    x.dispose();
  }
  assert.ok(statSync(pipe).isFIFO(), 'the FIFO was replaced');
  assert.deepEqual(Buffer.concat(got), readFileSync(plain));
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('samples.npy')), ['samples.npy']);
});

test('/dev/null is written through: an export or samples to it succeed and it stays a device', () => {
  const sink = join(dir, 'null');
  symlinkSync('/dev/null', sink);
  const x = tensor([1, 2, 3]);
  try {
    saveNpy(sink, x);
    saveSafetensors(sink, new Map([['x', x]]), { format: 'edm' });
  } finally {
    x.dispose();
  }
  assert.ok(lstatSync(sink).isSymbolicLink(), 'the link to /dev/null was replaced by a file');
  assert.equal(readlinkSync(sink), '/dev/null');
  assert.ok(statSync('/dev/null').isCharacterDevice());
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('null')), ['null']);
});

test('a symlink to a regular file stays a link: the file it names gets the new contents', () => {
  const file = join(dir, 'real.npy'), link = join(dir, 'link.npy');
  writeFileSync(file, 'old');
  symlinkSync(file, link);
  const x = tensor([1, 2, 3]);
  try {
    saveNpy(link, x);
  } finally {
    x.dispose();
  }
  assert.ok(lstatSync(link).isSymbolicLink(), 'the link was replaced by a file');
  const back = loadNpy(file);
  assert.deepEqual(back.toFlatArray(), [1, 2, 3]);
  back.dispose();
});

test('/dev/full fails with a one-line ENOSPC error naming the path', { skip: !existsSync('/dev/full') && 'no /dev/full' }, () => {
  const full = join(dir, 'full');
  symlinkSync('/dev/full', full);
  const x = tensor([1, 2, 3]);
  try {
    assert.throws(() => saveNpy(full, x), (e: Error) => {
      assert.match(e.message, new RegExp(`^cannot write ${full}: ENOSPC`));
      assert.ok(!e.message.includes('\n'), e.message);
      return true;
    });
  } finally {
    x.dispose();
  }
  assert.ok(lstatSync(full).isSymbolicLink(), 'the link to /dev/full was replaced by a file');
  assert.ok(statSync('/dev/full').isCharacterDevice());
});

test('a socket is refused with a one-line error and left alone', async () => {
  const sock = join(dir, 'out.sock');
  const server = createServer().listen(sock);
  await once(server, 'listening');
  const x = tensor([1, 2, 3]);
  try {
    assert.throws(() => saveNpy(sock, x), new RegExp(`^Error: cannot write ${sock}: it is a socket; only regular files, character devices and FIFOs are written$`));
    assert.ok(statSync(sock).isSocket(), 'the socket was replaced');
  } finally {
    x.dispose();
    server.close();
  }
});

test('a config, checkpoint or .npy that is a FIFO or a device is refused without reading it', async () => {
  const config = fifo('config.json');
  const writer = spawn('sh', ['-c', `printf '{}' > '${config}'`]);      // a reader that opened the FIFO would get "{}"
  try {
    assert.throws(() => loadConfig(config), new RegExp(`^Error: config file ${config} is not a regular file$`));
  } finally {
    writer.kill('SIGKILL');
    await finish(writer);
  }
  assert.throws(() => loadCheckpoint('/dev/zero'), /^Error: safetensors file \/dev\/zero is not a regular file$/);
  const npy = fifo('x.npy');
  assert.throws(() => loadNpy(npy), new RegExp(`^Error: npy file ${npy} is not a regular file$`));
});

test('a config larger than a config can be is refused, naming the file and the cap', () => {
  const path = join(dir, 'huge.yaml');
  writeFileSync(path, '');
  truncateSync(path, MAX_WHOLE_FILE + 1);                                 // sparse: no disk used
  assert.throws(() => loadConfig(path), new RegExp(`^Error: config file ${path} has ${MAX_WHOLE_FILE + 1} bytes, more than the ${MAX_WHOLE_FILE} a config file may have$`));
});
