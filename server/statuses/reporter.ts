import { type Logger, log as rootLog } from '../../lib/log.js';
import { DEFAULT_API_URLS, type StatusRequest, statusRequest } from './forges.js';
import { DEFAULT_SEND_POLICY, type SendPolicy, sendStatus } from './send.js';
import {
  type CommitStatus,
  type CommitStatusReporter,
  CommitStatusSchema,
  type ParsedCommitStatus,
  type StatusReport,
} from './status.js';

/** Tuning of a reporter; tests shorten the policy. */
export interface ReporterOptions {
  policy?: Partial<SendPolicy>;
  log?: Logger;
}

interface Queued {
  status: ParsedCommitStatus;
  req: StatusRequest;
  resolve: (r: StatusReport) => void;
}

/** One (forge, API, repo, commit, context): at most one status in flight and one waiting. */
interface Lane {
  waiting?: Queued;
  inFlight?: AbortController;
}

const SUPERSEDED: StatusReport = { ok: false, skipped: 'superseded by a newer status before it was sent' };

/** `text` with every occurrence of `token` replaced by `***`. */
function redactor(token: string | undefined): (text: string) => string {
  return (text) => (token ? text.split(token).join('***') : text);
}

/**
 * A CommitStatusReporter over HTTP. Statuses for one commit and context go out one at a time in
 * the order `report` was called; a status still waiting when a newer one arrives is dropped
 * (resolved `skipped`), and one being retried stops retrying, so a slow `pending` never lands
 * after the `success` that followed it. No ordering holds across processes (see README).
 */
export function createCommitStatusReporter(opts: ReporterOptions = {}): CommitStatusReporter {
  const policy: SendPolicy = { ...DEFAULT_SEND_POLICY, ...opts.policy };
  const log = (opts.log ?? rootLog).child({ module: 'server/statuses' });
  const lanes = new Map<string, Lane>();

  async function drain(key: string, lane: Lane): Promise<void> {
    for (let next = lane.waiting; next; next = lane.waiting) {
      lane.waiting = undefined;
      const controller = new AbortController();
      lane.inFlight = controller;
      const { status: s, req } = next;
      const where = { forge: s.forge, repo: s.repo, commit: s.commit, context: s.context, state: s.state };
      const redact = redactor(s.token);
      let r: StatusReport;
      try {
        r = await sendStatus(req, { policy, redact, superseded: controller.signal });
      } catch (err) {
        r = { ok: false, error: redact(`internal: ${(err as Error).message}`), attempts: 0 };
      }
      if (r.ok) log.debug({ ...where, attempts: r.attempts }, 'commit status sent');
      else if ('skipped' in r) log.info({ ...where, reason: r.skipped }, 'commit status not sent');
      else log.warn({ ...where, error: r.error, attempts: r.attempts }, 'commit status failed');
      next.resolve(r);
    }
    lane.inFlight = undefined;
    lanes.delete(key);
  }

  return {
    report(input: CommitStatus): Promise<StatusReport> {
      const parsed = CommitStatusSchema.safeParse(input);
      if (!parsed.success) {
        const why = parsed.error.issues
          .map((i) => `${i.path.join('.') || 'status'}: ${i.message}`)
          .join('; ');
        log.warn({ error: why }, 'commit status not sent: invalid');
        return Promise.resolve({ ok: false, error: `invalid commit status: ${why}`, attempts: 0 });
      }
      const s = parsed.data;
      const req = statusRequest(s);
      if ('skip' in req) {
        log.info(
          { forge: s.forge, repo: s.repo, context: s.context, reason: req.skip },
          'commit status skipped',
        );
        return Promise.resolve({ ok: false, skipped: req.skip });
      }
      const api = s.apiUrl ?? DEFAULT_API_URLS[s.forge];
      // GitHub treats contexts case-insensitively; so do the lanes.
      const key = JSON.stringify([s.forge, api, s.repo, s.commit, s.context].map((p) => p?.toLowerCase()));
      return new Promise((resolve) => {
        const lane = lanes.get(key) ?? {};
        lane.waiting?.resolve(SUPERSEDED);
        lane.waiting = { status: s, req, resolve };
        if (lane.inFlight) lane.inFlight.abort();
        else {
          lanes.set(key, lane);
          lane.inFlight = new AbortController();
          void drain(key, lane);
        }
      });
    },
  };
}
