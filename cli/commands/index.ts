import type { Command } from 'commander';
import * as build from './build/index.js';
import * as exec from './exec/index.js';
import * as images from './images/index.js';
import * as lint from './lint/index.js';
import * as login from './login/index.js';
import * as plan from './plan/index.js';
import * as pull from './pull/index.js';
import * as push from './push/index.js';
import * as repo from './repo/index.js';
import * as runner from './runner/index.js';
import * as server from './server/index.js';
import * as token from './token/index.js';
import * as up from './up/index.js';

/** Every `slipway` subcommand, in help order. Add a new command module here. */
export const commands: Array<{ register(program: Command): void }> = [
  lint,
  plan,
  exec,
  build,
  pull,
  push,
  login,
  images,
  up,
  server,
  runner,
  repo,
  token,
];
