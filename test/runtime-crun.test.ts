import { runtimeContract } from './runtime-contract.js';
import { heldStartContract } from './runtime-contract-held.js';
import { runtimeIsolationContract } from './runtime-contract-isolation.js';

runtimeContract('crun');
heldStartContract('crun');
runtimeIsolationContract('crun');
