/** EXPOSE port specs → `port/proto` keys, Docker's rules (ranges expanded, tcp default). */
export function parsePortSpec(spec: string): string[] | { error: string } {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?(?:\/([A-Za-z]+))?$/.exec(spec);
  if (!m) return { error: `invalid port "${spec}" (e.g. 80, 80/udp, 8000-8010/tcp)` };
  const proto = (m[3] ?? 'tcp').toLowerCase();
  if (!['tcp', 'udp', 'sctp'].includes(proto)) return { error: `invalid protocol "${m[3]}" in "${spec}"` };
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  if (lo < 1 || hi > 65535 || hi < lo) return { error: `invalid port range "${spec}"` };
  const out: string[] = [];
  for (let p = lo; p <= hi; p++) out.push(`${p}/${proto}`);
  return out;
}

const SIGNALS = new Set([
  'ABRT',
  'ALRM',
  'BUS',
  'CHLD',
  'CLD',
  'CONT',
  'FPE',
  'HUP',
  'ILL',
  'INT',
  'IO',
  'IOT',
  'KILL',
  'PIPE',
  'POLL',
  'PROF',
  'PWR',
  'QUIT',
  'SEGV',
  'STKFLT',
  'STOP',
  'SYS',
  'TERM',
  'TRAP',
  'TSTP',
  'TTIN',
  'TTOU',
  'URG',
  'USR1',
  'USR2',
  'VTALRM',
  'WINCH',
  'XCPU',
  'XFSZ',
]);

/** STOPSIGNAL values Docker accepts: a number 1–64, a name with or without SIG, or SIGRTMIN+n / SIGRTMAX-n. */
export function isValidSignal(value: string): boolean {
  if (/^\d+$/.test(value)) return Number(value) >= 1 && Number(value) <= 64;
  const name = value.toUpperCase().replace(/^SIG/, '');
  if (SIGNALS.has(name)) return true;
  const rt = /^RTM(IN|AX)(?:([+-])(\d+))?$/.exec(name);
  if (!rt) return false;
  const n = Number(rt[3] ?? 0);
  return rt[2] === undefined || ((rt[1] === 'IN' ? rt[2] === '+' : rt[2] === '-') && n <= 30);
}
