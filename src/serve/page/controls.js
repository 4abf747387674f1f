// Small DOM helpers for the page's controls: labelled inputs and selects, and one select per latent.

/** Creates an element with attributes (and properties) and children. */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k in e) e[k] = v;
    else e.setAttribute(k, v);
  }
  e.append(...children);
  return e;
}

/** A labelled number input; `value()` reads it as a number (NaN when empty). */
export function numberField(id, label, value, { min, max, step = 1 } = {}) {
  const input = el('input', { id, type: 'number', value: String(value), step: String(step) });
  if (min !== undefined) input.min = String(min);
  if (max !== undefined) input.max = String(max);
  return { node: el('label', { for: id }, label, input), input, value: () => (input.value === '' ? NaN : Number(input.value)) };
}

/** A labelled select over [value, text] pairs. */
export function selectField(id, label, options, value) {
  const input = el('select', { id }, ...options.map(([v, t]) => el('option', { value: String(v) }, t)));
  input.value = String(value);
  return { node: el('label', { for: id }, label, input), input };
}

/**
 * One select per latent: "prior" (null, when the run has a prior) or a code 0..k−1. `choices()`
 * gives the list the server expects; `set(i, code)` chooses a code (null = prior).
 */
export function latentFields(prefix, title, { m, k, prior }) {
  const options = [...(prior ? [['prior', 'from the prior']] : []), ...Array.from({ length: k }, (_, c) => [c, `code ${c}`])];
  const fields = Array.from({ length: m }, (_, i) => selectField(`${prefix}-${i}`, `latent ${i}`, options, prior ? 'prior' : 0));
  const node = el('fieldset', {}, el('legend', {}, title), ...fields.map((f) => f.node));
  return {
    node,
    choices: () => fields.map((f) => (f.input.value === 'prior' ? null : Number(f.input.value))),
    set: (i, code) => { fields[i].input.value = code === null ? 'prior' : String(code); },
  };
}

/** Calls `fn` when any input or select inside `root` changes. */
export function onChange(root, fn) {
  root.addEventListener('change', (e) => { if (e.target.matches('input, select')) fn(); });
}

/** The controls every sampling request shares, with the run's defaults. */
export function samplingFields(info, n) {
  const { limits, sample } = info;
  return {
    n: numberField('n', 'samples', n, { min: 1, max: info.kind === 'images' ? limits.images : limits.points }),
    steps: numberField('steps', 'sampler steps', Math.min(sample.steps, limits.steps), { min: 1, max: limits.steps }),
    sampler: selectField('sampler', 'sampler', info.samplers.map((s) => [s, s]), sample.sampler),
    guidance: numberField('guidance', 'guidance w', sample.guidance, { min: limits.guidance[0], max: limits.guidance[1], step: 0.1 }),
    seed: numberField('seed', 'noise seed', 0, { min: 0, max: limits.seed }),
    latentSeed: numberField('latent-seed', 'latent seed', 0, { min: 0, max: limits.seed }),
  };
}

/** The request fields read from `samplingFields` and the latent selects `z` (null without latents). */
export function samplingParams(f, z) {
  return { n: f.n.value(), steps: f.steps.value(), sampler: f.sampler.input.value, guidance: f.guidance.value(),
    seed: f.seed.value(), latentSeed: f.latentSeed.value(), latents: z ? z.choices() : [] };
}

/** A button that adds 1 to a number field, then calls `then`. */
export function bumpButton(id, text, field, then) {
  return el('button', { id, type: 'button', onclick: () => { field.input.value = String(field.value() + 1); then(); } }, text);
}
