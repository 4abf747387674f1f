/**
 * The page: a fixed set of files from ./page, read once at start and served by URL path. The
 * client cannot name any other file.
 */
import { readFileSync } from 'node:fs';

const TYPES = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' } as const;

/** URL path → file in ./page. */
const FILES: Record<string, string> = {
  '/': 'index.html',
  '/app.js': 'app.js',
  '/controls.js': 'controls.js',
  '/jobs.js': 'jobs.js',
  '/images.js': 'images.js',
  '/points.js': 'points.js',
  '/style.css': 'style.css',
};

export interface Asset {
  type: string;
  body: Buffer;
}

/** Reads every page file; URL path → content type and bytes. */
export function loadAssets(): Map<string, Asset> {
  return new Map(Object.entries(FILES).map(([path, file]) => {
    const ext = file.slice(file.lastIndexOf('.') + 1) as keyof typeof TYPES;
    return [path, { type: TYPES[ext], body: readFileSync(new URL(`./page/${file}`, import.meta.url)) }];
  }));
}
