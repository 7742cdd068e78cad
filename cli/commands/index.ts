import type { Command } from 'commander';
import * as build from './build.js';
import * as exec from './exec.js';
import * as images from './images.js';
import * as lint from './lint.js';
import * as login from './login.js';
import * as plan from './plan.js';
import * as pull from './pull.js';
import * as push from './push.js';
import * as up from './up.js';

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
];
