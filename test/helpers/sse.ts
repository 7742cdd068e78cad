/** One server-sent event as a client sees it. */
export interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

/**
 * Opens `url` as an SSE client (fetch) and hands each event to `onEvent`; returning `false`
 * from it disconnects. Resolves with the events seen when the server ends the stream or the
 * client disconnects. `lastEventId` is sent as the `Last-Event-ID` header. Comments (`: ping`)
 * are counted in `comments`.
 */
export async function readSse(
  url: string,
  opts: {
    lastEventId?: string;
    headers?: Record<string, string>;
    onEvent?: (e: SseEvent) => boolean | undefined;
  } = {},
): Promise<{ status: number; events: SseEvent[]; comments: number }> {
  const ctl = new AbortController();
  const headers: Record<string, string> = { accept: 'text/event-stream', ...opts.headers };
  if (opts.lastEventId !== undefined) headers['last-event-id'] = opts.lastEventId;
  const res = await fetch(url, { headers, signal: ctl.signal });
  const events: SseEvent[] = [];
  let comments = 0;
  if (!res.ok || !res.body) return { status: res.status, events, comments };
  const decoder = new TextDecoder();
  let buf = '';
  let cur: Partial<SseEvent> & { data?: string } = {};
  try {
    for await (const chunk of res.body) {
      buf += decoder.decode(chunk, { stream: true });
      for (let nl = buf.indexOf('\n'); nl !== -1; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl).replace(/\r$/, '');
        buf = buf.slice(nl + 1);
        if (line === '') {
          if (cur.data !== undefined) {
            const e: SseEvent = {
              event: cur.event ?? 'message',
              data: cur.data,
              ...(cur.id ? { id: cur.id } : {}),
            };
            events.push(e);
            if (opts.onEvent?.(e) === false) {
              ctl.abort();
              return { status: res.status, events, comments };
            }
          }
          cur = {};
        } else if (line.startsWith(':')) comments++;
        else {
          const i = line.indexOf(':');
          const field = i === -1 ? line : line.slice(0, i);
          const value = i === -1 ? '' : line.slice(i + 1).replace(/^ /, '');
          if (field === 'data') cur.data = cur.data === undefined ? value : `${cur.data}\n${value}`;
          else if (field === 'id') cur.id = value;
          else if (field === 'event') cur.event = value;
        }
      }
    }
  } catch (err) {
    if (!ctl.signal.aborted) throw err;
  }
  return { status: res.status, events, comments };
}
