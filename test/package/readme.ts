// The README's TypeScript examples: the ```ts blocks that import from 'disco-diff'.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The examples in README order, each as its code and its README heading. */
export function readmeExamples(): { heading: string; code: string }[] {
  const text = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
  const out: { heading: string; code: string }[] = [];
  let heading = '';
  for (const [, h, code] of text.matchAll(/^#+ (.*)$|^```ts\n([\s\S]*?)^```$/gm)) {
    if (h !== undefined) heading = h;
    else if (code!.includes("from 'disco-diff")) out.push({ heading, code: code! });
  }
  return out;
}
