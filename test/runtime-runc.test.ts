import { runtimeContract } from './runtime-contract.js';
import { runtimeIsolationContract } from './runtime-contract-isolation.js';

runtimeContract('runc');
runtimeIsolationContract('runc');
