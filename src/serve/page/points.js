// The 2-D run page: samples coloured by code with their ODE trajectories, next to fresh data.
import { bumpButton, el, latentFields, numberField, onChange, samplingFields, samplingParams } from './controls.js';
import { JobPanel } from './jobs.js';

const SIZE = 440;

export function pointsPage(main, info) {
  const f = samplingFields(info, 1000);
  const traj = numberField('trajectories', 'trajectories', 50, { min: 0, max: info.limits.trajectories });
  const z = info.latents ? latentFields('latent', 'latents', { ...info.latents, prior: info.prior }) : null;
  const showTraj = el('input', { id: 'show-trajectories', type: 'checkbox', checked: true });
  const swatches = el('div', { className: 'swatches', id: 'codes' });

  const scatter = el('canvas', { id: 'scatter', width: SIZE, height: SIZE });
  const data = el('canvas', { id: 'data', width: SIZE, height: SIZE });
  const status = el('div', { className: 'status' });
  const panel = el('section', { id: 'points-panel' }, el('h2', {}, 'Samples and ODE trajectories'), status,
    ...(z ? [el('div', {}, 'show the samples of latent 0’s code:'), swatches] : []),
    el('label', { for: 'show-trajectories' }, 'draw the trajectories', showTraj),
    el('div', { className: 'row' },
      el('figure', {}, scatter, el('figcaption', {}, 'model samples, coloured by the code of latent 0; lines: ODE trajectories')),
      el('figure', {}, data, el('figcaption', {}, 'fresh data from the run’s generator, for comparison'))));
  let last = null;
  const colour = (c) => info.palette[c % info.palette.length];
  const pointColour = (i) => (last.codes ? colour(last.codes[i][0]) : info.palette[0]);
  const jobs = new JobPanel(panel, status, (r) => { last = r; draw(); });

  const aside = el('aside', {}, el('h2', {}, 'Sampling'), ...Object.values(f).map((x) => x.node), traj.node,
    bumpButton('new-noise', 'same latents, new noise', f.seed, update),
    bumpButton('new-latents', 'new latents, same noise', f.latentSeed, update), ...(z ? [z.node] : []));
  main.replaceChildren(aside, el('div', {}, panel));

  function update() {
    if (z) drawSwatches();
    jobs.request({ kind: 'points', ...samplingParams(f, z), trajectories: traj.value() });
  }

  /** "all" (the prior) and one button per code of latent 0, in the code's colour; the chosen one is outlined. */
  function drawSwatches() {
    const chosen = z.choices()[0];
    const button = (code) => {
      const b = el('button', { type: 'button', id: `code-${code ?? 'all'}`, onclick: () => { z.set(0, code); update(); },
        className: `swatch${code === null ? ' all' : ''}${code === chosen ? ' selected' : ''}` }, code === null ? 'all' : String(code));
      if (code !== null) b.style.background = colour(code);
      return b;
    };
    swatches.replaceChildren(...(info.prior ? [button(null)] : []), ...Array.from({ length: info.latents.k }, (_, c) => button(c)));
  }

  function draw() {
    if (!last) return;
    const view = viewOf(last.data);
    plot(scatter, view, (g, at) => {
      if (showTraj.checked) {
        g.lineWidth = 1;
        last.trajectories.forEach((path, i) => {
          g.strokeStyle = withAlpha(pointColour(i), 0.45);
          g.beginPath();
          path.forEach(([x, y], t) => (t ? g.lineTo(...at(x, y)) : g.moveTo(...at(x, y))));
          g.stroke();
        });
      }
      last.samples.forEach(([x, y], i) => dot(g, at(x, y), withAlpha(pointColour(i), 0.6)));
    });
    plot(data, view, (g, at) => last.data.forEach(([x, y]) => dot(g, at(x, y), 'rgba(80, 80, 80, 0.45)')));
  }

  onChange(aside, update);
  showTraj.addEventListener('change', draw);
  update();
}

/** A square view around the data (10% margin), shared by both panels. */
function viewOf(points) {
  const xs = points.map((p) => p[0]), ys = points.map((p) => p[1]);
  const cx = (Math.min(...xs) + Math.max(...xs)) / 2, cy = (Math.min(...ys) + Math.max(...ys)) / 2;
  const half = 0.55 * Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys), 1e-6);
  return { cx, cy, half };
}

/** Clears a canvas, draws the axes through 0, then calls `paint(g, at)` with data → pixel coordinates. */
function plot(canvas, { cx, cy, half }, paint) {
  const g = canvas.getContext('2d');
  const s = canvas.width / (2 * half);
  const at = (x, y) => [(x - cx + half) * s, (cy + half - y) * s];
  g.clearRect(0, 0, canvas.width, canvas.height);
  g.strokeStyle = '#ddd';
  g.beginPath();
  g.moveTo(...at(cx - half, 0)); g.lineTo(...at(cx + half, 0));
  g.moveTo(...at(0, cy - half)); g.lineTo(...at(0, cy + half));
  g.stroke();
  paint(g, at);
}

function dot(g, [px, py], fill) {
  g.fillStyle = fill;
  g.fillRect(px - 1.5, py - 1.5, 3, 3);
}

function withAlpha(hex, alpha) {
  const v = parseInt(hex.slice(1), 16);
  return `rgba(${(v >> 16) & 255}, ${(v >> 8) & 255}, ${v & 255}, ${alpha})`;
}
