/**
 * Preloaded into a bench's child process (`node --import tsx --import bench/peak-rss.ts …`): at
 * exit it writes the process's peak resident memory (kB, getrusage's ru_maxrss) to $PEAK_RSS_FILE.
 */
import { writeFileSync } from 'node:fs';

const file = process.env.PEAK_RSS_FILE;
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
