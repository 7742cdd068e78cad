/** Go's `time.ParseDuration` (as Docker uses for HEALTHCHECK flags) → nanoseconds, or undefined if malformed. */
const UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

export function parseGoDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let pos = 0;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) return undefined;
    total += Number.parseFloat(m[1]!) * UNITS[m[2]!]!;
    pos = re.lastIndex;
  }
  return pos === 0 ? undefined : Math.round(total);
}
