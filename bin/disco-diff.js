#!/usr/bin/env node
// The `disco-diff` command. In an installed package: the compiled CLI in dist/. In a checkout
// (src/ present): the TypeScript sources through tsx, so development never runs a stale build.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import('../dist/cli/main.js');
}
