// The sampling queue of `disco-diff serve`: one job at a time, in order, with positions, progress and errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JobQueue, QueueFull, type JobStatus } from '../../src/serve/jobs.js';

/** A queue whose jobs finish when the test says so; `log` records starts and ends. */
function manualQueue(o?: { maxWaiting: number; keepFinished: number }) {
  const log: string[] = [];
  const finish = new Map<string, (v: string | Error) => void>();
  const q = new JobQueue<string, string>((name, progress) => {
    log.push(`start ${name}`);
    progress(1, 2);
    return new Promise((resolve, reject) => finish.set(name, (v) => {
      log.push(`end ${name}`);
      if (v instanceof Error) reject(v);
      else resolve(v);
    }));
  }, o);
  return { q, log, finish: (name: string, v: string | Error) => finish.get(name)!(v) };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

test('jobs run one at a time in arrival order; waiting jobs know their position', async () => {
  const { q, log, finish } = manualQueue();
  const [a, b, c] = ['a', 'b', 'c'].map((n) => q.submit(n)) as [JobStatus<string>, JobStatus<string>, JobStatus<string>];
  assert.deepEqual([q.get(a.id)!.state, q.get(b.id)!.state, q.get(c.id)!.state], ['running', 'queued', 'queued']);
  assert.deepEqual([q.get(a.id)!.position, q.get(b.id)!.position, q.get(c.id)!.position], [0, 1, 2]);
  assert.deepEqual(q.get(a.id)!.progress, { done: 1, total: 2 });
  assert.deepEqual(log, ['start a']);
  finish('a', 'A');
  await settle();
  assert.deepEqual(log, ['start a', 'end a', 'start b']);
  assert.deepEqual([q.get(a.id)!.state, q.get(a.id)!.result, q.get(c.id)!.position], ['done', 'A', 1]);
  finish('b', new Error('sampling produced non-finite samples'));
  await settle();
  assert.deepEqual([q.get(b.id)!.state, q.get(b.id)!.error], ['failed', 'sampling produced non-finite samples']);
  finish('c', 'C');
  await settle();
  assert.equal(q.get(c.id)!.state, 'done');
  assert.deepEqual(log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  assert.equal(q.get('no-such-job'), undefined);
});

test('a full queue refuses; old finished jobs are forgotten', async () => {
  const { q, finish } = manualQueue({ maxWaiting: 1, keepFinished: 1 });
  const a = q.submit('a'), b = q.submit('b');
  assert.throws(() => q.submit('c'), (e: Error) => e instanceof QueueFull && /1 sampling jobs are waiting/.test(e.message));
  finish('a', 'A');
  await settle();
  finish('b', 'B');
  await settle();
  assert.equal(q.get(a.id), undefined, 'the older finished job is forgotten');
  assert.equal(q.get(b.id)!.result, 'B');
});
