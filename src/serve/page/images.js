// The image-run page: a grid of samples under chosen latents, and latent switching side by side.
import { bumpButton, el, latentFields, numberField, onChange, samplingFields, samplingParams, selectField } from './controls.js';
import { JobPanel } from './jobs.js';

/** Shown images are scaled up (nearest neighbour) to about this width. */
const SHOW_WIDTH = 420;

/** Sets an image's source, waits until it is decoded, and scales it to about `width`. */
async function showImage(img, src, width = SHOW_WIDTH) {
  img.src = src;
  await img.decode();
  img.width = img.naturalWidth * Math.max(1, Math.floor(width / img.naturalWidth));
}

export function imagesPage(main, info) {
  const f = samplingFields(info, 16);
  const cls = info.numClasses
    ? selectField('class', 'class', [['random', 'random'], ...Array.from({ length: info.numClasses }, (_, c) => [c, `class ${c}`])], 'random')
    : null;
  const z1 = info.latents ? latentFields('latent', 'latents z₁', { ...info.latents, prior: info.prior }) : null;
  const params = () => ({ ...samplingParams(f, z1), class: cls && cls.input.value !== 'random' ? Number(cls.input.value) : null });

  const grid = el('img', { id: 'grid', className: 'samples', alt: 'samples' });
  const codes = el('ol', { id: 'codes' });
  const status = el('div', { className: 'status' });
  const gridPanel = el('section', { id: 'grid-panel' }, el('h2', {}, 'Samples'), status, el('figure', {}, grid),
    el('details', {}, el('summary', {}, 'latents (and classes) of the samples, row by row'), codes));
  const gridJobs = new JobPanel(gridPanel, status, async (r) => {
    await showImage(grid, r.image);
    codes.replaceChildren(...(r.codes ?? []).map((c, i) => el('li', {}, `z = [${c.join(', ')}]${r.labels ? `, class ${r.labels[i]}` : ''}`)));
  });
  const switching = info.latents ? switchPanel(info, params) : null;

  const aside = el('aside', {}, el('h2', {}, 'Sampling'), ...Object.values(f).map((x) => x.node), ...(cls ? [cls.node] : []),
    bumpButton('new-noise', 'same latents, new noise', f.seed, update),
    bumpButton('new-latents', 'new latents, same noise', f.latentSeed, update), ...(z1 ? [z1.node] : []));
  main.replaceChildren(aside, el('div', {}, gridPanel, ...(switching ? [switching.node] : [])));

  function update() {
    gridJobs.request({ kind: 'images', ...params() });
    switching?.update();
  }
  onChange(aside, update);
  update();
}

/** Latent switching: the same noise sampled with z₁, with z₁ switched to z₂ below σ, and with z₂. */
function switchPanel(info, params) {
  const { sigmaMin, sigmaMax } = info.sample;
  const sigma = numberField('switch-sigma', 'switch below σ', Math.min(Math.max(1, sigmaMin), sigmaMax), { min: sigmaMin, max: sigmaMax, step: 'any' });
  const seed = numberField('switch-seed', 'z₂ seed', 1, { min: 0, max: info.limits.seed });
  const z2 = latentFields('switch-latent', 'latents z₂', { ...info.latents, prior: info.prior });
  const controls = el('div', { className: 'row' }, el('div', {}, sigma.node, seed.node), z2.node);
  const imgs = [0, 1, 2].map((i) => el('img', { id: `switch-image-${i}`, className: 'samples', alt: 'latent switching' }));
  const captions = imgs.map(() => el('figcaption', {}));
  const status = el('div', { className: 'status' });
  const node = el('section', { id: 'switch-panel' }, el('h2', {}, 'Latent switching (z₁ = the latents on the left)'), controls, status,
    el('div', { className: 'row' }, ...imgs.map((img, i) => el('figure', {}, img, captions[i]))));
  const jobs = new JobPanel(node, status, (r) => Promise.all(r.panels.map((p, i) => {
    captions[i].textContent = p.label;
    return showImage(imgs[i], p.image, SHOW_WIDTH / 2);
  })));
  const update = () => jobs.request({ kind: 'switch', ...params(), switchLatents: z2.choices(), switchSeed: seed.value(), sigma: sigma.value() });
  onChange(controls, update);
  return { node, update };
}
