import { html } from 'hono/html';
import type { RunRecord } from '../store/index.js';

/** `ms` for people: "850 ms", "12 s", "3 min 4 s", "2 h 5 min". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  return m % 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${Math.floor(m / 60)} h`;
}

/** How long ago `at` was from `now`: "just now", "5 min ago", "3 h ago", "2 days ago". */
export function formatAgo(at: number, now: number): string {
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 10) return 'just now';
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.floor(h / 24)} days ago`;
}

/** A relative time with the exact one (UTC, ISO 8601) on hover and in `datetime`. */
export function timeAgo(at: number, now: number) {
  const iso = new Date(at).toISOString();
  return html`<time datetime="${iso}" title="${iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}">${formatAgo(at, now)}</time>`;
}

/** How long a run took (or has taken so far, at `now`), in ms; undefined before it started. */
export function runDuration(run: RunRecord, now: number): number | undefined {
  const from = run.startedAt ?? (run.finishedAt !== undefined ? run.createdAt : undefined);
  if (from === undefined) return undefined;
  return Math.max(0, (run.finishedAt ?? now) - from);
}
