// The docking run page: poses of a test complex sampled under a chosen latent source, drawn in 3-D
// (3Dmol.js) over the pocket and coloured by their z, with each z's pointer nodes, the reference
// modes, a legend of the distinct z and a table of the poses.
import { el, numberField, selectField } from './controls.js';
import { JobPanel } from './jobs.js';

/** Colours of what is not a sampled pose. */
const POCKET = '#b8b8b8', MODE = '#303030', CRYSTAL = '#000000';

/** The run in one line, for the header. */
export function dockingSummary(info) {
  const latents = info.latents
    ? `${info.latents.m} pointer latent${info.latents.m > 1 ? 's' : ''}${info.prior ? '' : ' · no prior'}` : 'no latents (docking DM)';
  const s = info.sample;
  return `${info.name} · ${info.run} · docking · step ${info.step} · ${latents} · ${s.sampler} sampler, ` +
    `${s.refine ? `${s.refine} refinement iterations, ` : ''}ranked by ${s.ranker}`;
}

export async function dockingPage(main, info) {
  const $3Dmol = await load3Dmol();
  const { limits, sample } = info;
  const complex = selectField('complex', 'complex', info.complexes.map((c, i) => [i, `${c.receptor}/${c.id}`]), 0);
  const about = el('p', { id: 'complex-about', className: 'note' });
  const source = selectField('z-source', 'latents', [], '');
  const nodes = el('input', { id: 'z-nodes', type: 'text', placeholder: Array.from({ length: info.latents?.m ?? 0 }, (_, i) => i).join(',') });
  const nodesField = el('label', { for: 'z-nodes' }, 'node indices', nodes);
  const f = {
    n: numberField('n', 'poses', sample.n, { min: 1, max: limits.poses }),
    steps: numberField('steps', 'steps', sample.steps, { min: 1, max: limits.steps }),
    seed: numberField('seed', 'noise seed', 0, { min: 0, max: limits.seed }),
    latentSeed: numberField('latent-seed', 'latent seed', 0, { min: 0, max: limits.seed }),
  };
  const showModes = checkbox('show-modes', 'reference modes (dark, thin)', true);
  const showCrystal = checkbox('show-crystal', 'crystal pose (black)', true);
  const showPointers = checkbox('show-pointers', 'pointer nodes (spheres)', true);

  const viewerBox = el('div', { id: 'viewer' });
  const groupsTable = el('table', { id: 'groups' });
  const posesTable = el('table', { id: 'poses' });
  const status = el('div', { className: 'status' });
  const panel = el('section', { id: 'docking-panel' }, el('h2', {}, 'Sampled poses over the pocket, coloured by z'), status, viewerBox,
    el('div', { className: 'row' }, showModes.node, showCrystal.node, showPointers.node),
    el('h2', {}, 'Distinct z among the poses'), groupsTable,
    el('details', { open: true }, el('summary', {}, 'poses, best first'), el('div', { className: 'scroll' }, posesTable)));
  const aside = el('aside', {}, el('h2', {}, 'Docking'), complex.node, about, source.node, nodesField, ...Object.values(f).map((x) => x.node),
    el('button', { id: 'sample', type: 'button', onclick: () => jobs.request(request()) }, 'Sample'));
  main.replaceChildren(aside, el('div', {}, panel));

  const viewer = $3Dmol.createViewer(viewerBox, { backgroundColor: 'white' });
  const colour = (group) => info.palette[group % info.palette.length];
  const hidden = new Set();
  let last = null;
  const jobs = new JobPanel(panel, status, (r) => {
    last = r;
    hidden.clear();
    draw(true);
    tables();
  });

  /** The latent sources the run and the complex allow, as [value, text]. */
  function sources(c) {
    if (!info.latents) return [['none', 'none (a docking DM has no latents)']];
    return [...(info.prior ? [['prior', 'drawn from the prior']] : []),
      ...Array.from({ length: c.modes }, (_, j) => [`mode-${j}`, `encoder’s z of reference mode ${j}`]),
      ['nodes', 'chosen node indices'], ['none', 'none (latents dropped)']];
  }

  function chooseComplex() {
    const c = info.complexes[Number(complex.input.value)];
    about.textContent = `${c.name}: ${c.modes} reference modes${c.crystal ? ' and the crystal pose' : ''}; ` +
      `nodes 0–${c.atoms - 1} are ligand atoms, ${c.atoms}–${c.atoms + c.residues - 1} residues`;
    const was = source.input.value;
    source.input.replaceChildren(...sources(c).map(([v, t]) => el('option', { value: v }, t)));
    if ([...source.input.options].some((o) => o.value === was)) source.input.value = was;
    chooseSource();
  }

  function chooseSource() {
    nodesField.hidden = source.input.value !== 'nodes';
  }

  /** The request's latent source from the controls. */
  function latentSource() {
    const v = source.input.value;
    if (v.startsWith('mode-')) return { kind: 'mode', mode: Number(v.slice('mode-'.length)) };
    if (v === 'nodes') return { kind: 'nodes', nodes: nodes.value.split(',').map((s) => s.trim()).filter(Boolean).map(Number) };
    return { kind: v };
  }

  function request() {
    return { kind: 'poses', complex: Number(complex.input.value), n: f.n.value(), steps: f.steps.value(), seed: f.seed.value(),
      latentSeed: f.latentSeed.value(), z: latentSource() };
  }

  /** Draws the last result: the pocket, the reference poses, the poses of the shown z and their pointer nodes. */
  function draw(zoom) {
    if (!last) return;
    viewer.removeAllModels();
    viewer.removeAllShapes();
    viewer.addModel(last.pocket, 'pdb').setStyle({}, { stick: { color: POCKET, radius: 0.1 } });
    const ligand = (coords, stick) => {
      const m = viewer.addModel();
      m.addAtoms(atomsOf(last.ligand, coords));
      m.setStyle({}, { stick });
    };
    if (showModes.input.checked) for (const m of last.modes) ligand(m.coords, { color: MODE, radius: 0.06 });
    if (showCrystal.input.checked && last.crystal) ligand(last.crystal, { color: CRYSTAL, radius: 0.12 });
    for (const p of last.poses) if (!hidden.has(p.group)) ligand(p.coords, { color: colour(p.group), radius: 0.15 });
    if (showPointers.input.checked) {
      last.groups.forEach((g, i) => {
        if (hidden.has(i)) return;
        for (const { coord: [x, y, z] } of g.pointers) viewer.addSphere({ center: { x, y, z }, radius: 0.8, color: colour(i), alpha: 0.85 });
      });
    }
    if (zoom) viewer.zoomTo();
    viewer.render();
  }

  /** The legend (one row per distinct z, with a box that shows or hides its poses) and the table of poses. */
  function tables() {
    const swatch = (group) => {
      const s = el('span', { className: 'dot' });
      s.style.background = colour(group);
      return s;
    };
    const head = (...names) => el('tr', {}, ...names.map((h) => el('th', {}, h)));
    groupsTable.replaceChildren(head('shown', 'z (node indices)', 'pointers', 'poses', 'best score'), ...last.groups.map((g, i) => {
      const box = el('input', { type: 'checkbox', checked: true, onchange: () => { if (box.checked) hidden.delete(i); else hidden.add(i); draw(false); } });
      return el('tr', { id: `group-${i}` }, el('td', {}, box, swatch(i)), el('td', {}, g.z ? g.z.join(', ') : 'none'),
        el('td', {}, g.pointers.map((p) => p.label).join(' · ') || '—'), el('td', {}, String(g.count)), el('td', {}, score(g.best)));
    }));
    posesTable.replaceChildren(head('rank', 'score (kcal/mol)', 'z'), ...last.poses.map((p) =>
      el('tr', {}, el('td', {}, String(p.rank)), el('td', {}, score(p.score)), el('td', {}, swatch(p.group), ` ${p.latents ? p.latents.join(', ') : 'none'}`))));
  }

  complex.input.addEventListener('change', chooseComplex);
  source.input.addEventListener('change', chooseSource);
  for (const t of [showModes, showCrystal, showPointers]) t.input.addEventListener('change', () => draw(false));
  chooseComplex();
  jobs.request(request());
}

/** A labelled checkbox. */
function checkbox(id, label, checked) {
  const input = el('input', { id, type: 'checkbox', checked });
  return { node: el('label', { for: id }, input, label), input };
}

/** 3Dmol atoms of the ligand at `coords` (flat), with its bonds and their orders. */
function atomsOf({ elements, bonds }, coords) {
  const atoms = elements.map((elem, i) => ({ elem, x: coords[3 * i], y: coords[3 * i + 1], z: coords[3 * i + 2], bonds: [], bondOrder: [] }));
  for (const [a, b, order] of bonds) {
    atoms[a].bonds.push(b);
    atoms[a].bondOrder.push(order);
    atoms[b].bonds.push(a);
    atoms[b].bondOrder.push(order);
  }
  return atoms;
}

function score(v) {
  return v === null ? '—' : v.toFixed(2);
}

/** Loads 3Dmol.js (served as /3dmol.js) once; resolves with its global `$3Dmol`. */
function load3Dmol() {
  if (window.$3Dmol) return Promise.resolve(window.$3Dmol);
  return new Promise((resolve, reject) => {
    const script = el('script', { src: '/3dmol.js' });
    script.onload = () => resolve(window.$3Dmol);
    script.onerror = () => reject(new Error('could not load the 3-D viewer (/3dmol.js)'));
    document.head.append(script);
  });
}
