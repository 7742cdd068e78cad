import type { ConfigChange } from './change.js';
import type { HistoryEntry, StageConfigState } from './types.js';

/** The name an Env entry sets, compared as Docker does: the text before the first `=`. */
const envName = (entry: string): string => entry.split('=')[0]!;

/**
 * A stage's config while it is built, changed in place: applying an instruction's change costs
 * the size of the change, not of the config (Env names are indexed, history and diff_ids are
 * appended), so a stage of N instructions is built in O(N). Owns `state`: pass a copy.
 */
export class StageConfig {
  private readonly envIndex = new Map<string, number>();

  constructor(readonly state: StageConfigState) {
    const env = state.image.config.Env ?? [];
    for (const [i, e] of env.entries()) if (!this.envIndex.has(envName(e))) this.envIndex.set(envName(e), i);
  }

  /** Applies one instruction's change and history entry, and its layer's diffID if it made one. */
  apply(change: ConfigChange, history: HistoryEntry, diffID?: string): void {
    const image = this.state.image;
    const c = image.config;
    if (change.env) for (const [k, v] of change.env) this.setEnv(k, v);
    if (change.labels) {
      c.Labels ??= {};
      for (const [k, v] of change.labels) c.Labels[k] = v;
    }
    if (change.workingDir !== undefined) c.WorkingDir = change.workingDir;
    if (change.user !== undefined) c.User = change.user;
    if (change.exposedPorts) {
      c.ExposedPorts ??= {};
      for (const p of change.exposedPorts) c.ExposedPorts[p] = {};
    }
    if (change.volumes) {
      c.Volumes ??= {};
      for (const v of change.volumes) c.Volumes[v] = {};
    }
    if (change.entrypoint) c.Entrypoint = change.entrypoint;
    if (change.cmd !== undefined) c.Cmd = change.cmd;
    if (change.cmdSet) this.state.cmdSet = true;
    if (change.shell) c.Shell = change.shell;
    if (change.stopSignal !== undefined) c.StopSignal = change.stopSignal;
    if (change.healthcheck) c.Healthcheck = change.healthcheck;
    if (change.onBuild !== undefined) {
      c.OnBuild ??= [];
      c.OnBuild.push(change.onBuild);
    }
    if (change.author !== undefined) image.author = change.author;
    image.history.push(history);
    if (diffID) image.rootfs.diff_ids.push(diffID);
    if (history.created) image.created = history.created;
  }

  private setEnv(key: string, value: string): void {
    const entry = `${key}=${value}`;
    const c = this.state.image.config;
    c.Env ??= [];
    const env = c.Env;
    // A name holding `=` never matches an entry (as a `split('=')[0]` comparison would not).
    const at = key.includes('=') ? undefined : this.envIndex.get(key);
    if (at !== undefined) env[at] = entry;
    else {
      if (!this.envIndex.has(envName(entry))) this.envIndex.set(envName(entry), env.length);
      env.push(entry);
    }
  }
}
