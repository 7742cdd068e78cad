#!/usr/bin/env node
// The `slipway` command: loads the TypeScript CLI through tsx (no build step).
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
