/**
 * Durations in pipeline files: `45s`, `10m`, `1h30m`, `2h`, `1h5m30s` — hours, minutes and
 * seconds in that order, each at most once, whole numbers only. Pure; never throws.
 */
const DURATION = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** The duration in milliseconds, or undefined when `text` is not a valid, non-zero duration. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  if (!m || text.trim() === '') return undefined;
  const [, h = '0', min = '0', s = '0'] = m;
  const ms = (Number(h) * 3600 + Number(min) * 60 + Number(s)) * 1000;
  return ms > 0 && Number.isSafeInteger(ms) ? ms : undefined;
}

export const DURATION_HINT = 'a duration like "45s", "10m" or "1h30m"';
