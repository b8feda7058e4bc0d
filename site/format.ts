// How values read on the pages: counts with separators, bytes in binary units, durations, ages, UTC timestamps,
// statuses as badges. Ages are computed when the site is built (the page says when), never by the reader's clock.
import { html, type Html } from './html.ts';

export const count = (n: number): string => n.toLocaleString('en-US');

export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return i === 0 ? `${n} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export function duration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  return m < 60 ? `${m} min ${Math.round((ms % 60_000) / 1000)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** "3 min ago", "2 d ago". */
export function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}

/** "2001-01-14 21:55:03 UTC" */
export const time = (iso: string): string => `${iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '')} UTC`;


/** A status as a badge; its class gives the colour (ok, bad, warn, quiet). */
export function badge(status: string): Html {
  const s = status.toUpperCase();
  const tone = ['SUCCEEDED', 'PUBLISHED', 'UNCHANGED', 'PASS'].includes(s) ? 'ok'
    : ['FAILED', 'REJECTED', 'HALTED', 'FAIL', 'ERROR', 'NOT REFRESHED'].includes(s) ? 'bad'
      : s === 'STALE' ? 'warn' : 'quiet';
  return html`<span class="badge ${tone}">${s}</span>`;
}
