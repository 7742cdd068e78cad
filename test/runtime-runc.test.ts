import { runtimeContract } from './runtime-contract.js';
import { heldStartContract } from './runtime-contract-held.js';
import { runtimeIsolationContract } from './runtime-contract-isolation.js';

runtimeContract('runc');
heldStartContract('runc');
runtimeIsolationContract('runc');
