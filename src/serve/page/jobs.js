// Sampling jobs from the page: POST /api/jobs, then poll until done, showing queue position and progress.

const POLL_MS = 150;

/** Runs one job; `onStatus` sees each polled status; resolves with the result, rejects with the server's message. */
export async function runJob(request, onStatus) {
  const res = await fetch('/api/jobs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) });
  let status = await res.json();
  if (!res.ok) throw new Error(status.error);
  while (status.state === 'queued' || status.state === 'running') {
    onStatus(status);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    const poll = await fetch(`/api/jobs/${status.id}`);
    status = await poll.json();
    if (!poll.ok) throw new Error(status.error);
  }
  if (status.state === 'failed') throw new Error(status.error);
  return status.result;
}

/**
 * One panel of results: the latest request wins (a request made while one runs waits, and only
 * the last waits). The panel's root carries data-state (running | done | failed) and data-version
 * (results shown so far), for people and tests alike.
 */
export class JobPanel {
  constructor(root, status, render) {
    this.root = root;
    this.status = status;
    this.render = render;
    this.busy = false;
    this.next = null;
    this.version = 0;
  }

  request(body) {
    if (this.busy) this.next = body;
    else void this.start(body);
  }

  async start(body) {
    this.busy = true;
    this.root.dataset.state = 'running';
    this.show('queued…');
    try {
      const result = await runJob(body, (s) => this.show(s.state === 'queued' ? `queued (${s.position} ahead)` : 'sampling', s.progress));
      await this.render(result);
      this.root.dataset.version = String(++this.version);
      this.show(describe(result));
      this.root.dataset.state = 'done';
    } catch (e) {
      this.show(e.message, null, true);
      this.root.dataset.state = 'failed';
    }
    this.busy = false;
    const next = this.next;
    this.next = null;
    if (next) void this.start(next);
  }

  show(text, progress = null, error = false) {
    this.status.className = error ? 'status error' : 'status';
    this.status.replaceChildren(text);
    if (progress) {
      const bar = document.createElement('progress');
      bar.max = progress.total;
      bar.value = progress.done;
      this.status.append(bar, `${progress.done}/${progress.total} steps`);
    }
  }
}

function describe(result) {
  if (result.kind === 'poses') return `${result.poses.length} poses, ${result.groups.length} distinct z, ${result.seconds.toFixed(1)} s`;
  return result.nfe !== undefined ? `${result.nfe} NFE, ${result.seconds.toFixed(2)} s` : `switched after ${result.switchStep} of ${result.steps} steps`;
}
