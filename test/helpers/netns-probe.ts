import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';

/** What a TCP client saw: connected (and the first bytes the server sent) or the error code. */
export interface ProbeResult {
  connected: boolean;
  data: string;
  error?: string;
}

// Runs inside the netns: connect with a hard timeout, read briefly, print one JSON line.
const CLIENT = `
const net = require('node:net');
const [host, port, ms] = process.argv.slice(1);
const done = (r) => { process.stdout.write(JSON.stringify(r)); process.exit(0); };
const s = net.connect({ host, port: Number(port) });
let data = '';
const timer = setTimeout(() => done({ connected: false, data, error: 'timeout' }), Number(ms));
s.on('connect', () => { clearTimeout(timer); setTimeout(() => done({ connected: true, data }), 300); });
s.on('data', (b) => { data += b; });
s.on('error', (e) => done({ connected: false, data, error: e.code }));
`;

// Runs inside the netns: greet every client with `<greeting> <client address>`.
const SERVER = `
const net = require('node:net');
const [host, port, greeting] = process.argv.slice(1);
net.createServer((c) => c.end(greeting + ' ' + c.remoteAddress)).listen(Number(port), host, () => process.stdout.write('listening\\n'));
`;

/** Opens a TCP connection from inside the netns at `netnsPath` (bounded by `timeoutMs`). */
export async function probeFrom(
  netnsPath: string,
  host: string,
  port: number,
  timeoutMs = 1000,
): Promise<ProbeResult> {
  const child = spawn(
    'nsenter',
    [`--net=${netnsPath}`, process.execPath, '-e', CLIENT, host, String(port), String(timeoutMs)],
    { stdio: ['ignore', 'pipe', 'inherit'], timeout: timeoutMs + 10_000, killSignal: 'SIGKILL' },
  );
  let out = '';
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
  });
  const [code] = await once(child, 'close');
  try {
    return JSON.parse(out) as ProbeResult;
  } catch {
    throw new Error(`TCP probe in ${netnsPath} to ${host}:${port} printed no result (exit ${code}): ${out}`);
  }
}

/** Starts a greeting TCP server inside the netns; resolves once it listens. Stop it with `kill()`. */
export async function serveIn(
  netnsPath: string,
  host: string,
  port: number,
  greeting: string,
): Promise<ChildProcess> {
  const child = spawn(
    'nsenter',
    [`--net=${netnsPath}`, process.execPath, '-e', SERVER, host, String(port), greeting],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server in ${netnsPath} did not listen within 5 s`)),
      5000,
    );
    child.stdout.once('data', () => {
      clearTimeout(timer);
      resolve();
    });
    child.once('exit', (code) => reject(new Error(`server in ${netnsPath} exited (${code})`)));
  });
  return child;
}

/** A greeting TCP server in the test process itself (the host's network namespace). */
export async function serveOnHost(host: string, greeting: string): Promise<{ server: Server; port: number }> {
  const server = createServer((c) => c.end(`${greeting} ${c.remoteAddress}`));
  server.listen(0, host);
  await once(server, 'listening');
  const addr = server.address();
  if (!addr || typeof addr !== 'object') throw new Error('no address');
  return { server, port: addr.port };
}
