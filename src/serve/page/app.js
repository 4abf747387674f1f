// The page: reads the run's facts, then builds the image page, the 2-D page or the docking page.
import { imagesPage } from './images.js';
import { pointsPage } from './points.js';
import { dockingPage, dockingSummary } from './docking.js';

const run = document.getElementById('run');
const main = document.getElementById('main');
const res = await fetch('/api/info');
const info = await res.json();
if (!res.ok) {
  run.textContent = info.error;
} else if (info.kind === 'docking') {
  run.textContent = dockingSummary(info);
  await dockingPage(main, info);
} else {
  const latents = info.latents ? `${info.latents.m} latent${info.latents.m > 1 ? 's' : ''} of ${info.latents.k} codes` : 'no latents (plain EDM)';
  const classes = info.numClasses ? `, ${info.numClasses} classes` : '';
  run.textContent = `${info.name} · ${info.run} · ${info.kind === 'images' ? `images [${info.shape.join('×')}]` : '2-D points'} · ` +
    `step ${info.step} · ${latents}${classes}${info.latents && !info.prior ? ' · no prior (choose every code)' : ''}`;
  (info.kind === 'images' ? imagesPage : pointsPage)(main, info);
}
