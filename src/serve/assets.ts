/**
 * The page: a fixed set of files from ./page, and 3Dmol.js from its installed package, read once at
 * start and served by URL path. The client cannot name any other file.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const TYPES = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' } as const;

/** URL path → file in ./page. */
const FILES: Record<string, string> = {
  '/': 'index.html',
  '/app.js': 'app.js',
  '/controls.js': 'controls.js',
  '/jobs.js': 'jobs.js',
  '/images.js': 'images.js',
  '/points.js': 'points.js',
  '/docking.js': 'docking.js',
  '/style.css': 'style.css',
};

/** URL path → a file of an installed package: the docking page's 3-D viewer (3Dmol.js, BSD-3). */
const PACKAGE_FILES: Record<string, string> = {
  '/3dmol.js': '3dmol/build/3Dmol-min.js',
};

export interface Asset {
  type: string;
  body: Buffer;
}

/** Reads every page file; URL path → content type and bytes. */
export function loadAssets(): Map<string, Asset> {
  const resolve = createRequire(import.meta.url).resolve;
  const files = [
    ...Object.entries(FILES).map(([path, file]) => [path, new URL(`./page/${file}`, import.meta.url)] as const),
    ...Object.entries(PACKAGE_FILES).map(([path, file]) => [path, resolve(file)] as const),
  ];
  return new Map(files.map(([path, file]) => {
    const name = String(file);
    const ext = name.slice(name.lastIndexOf('.') + 1) as keyof typeof TYPES;
    return [path, { type: TYPES[ext], body: readFileSync(file) }];
  }));
}
