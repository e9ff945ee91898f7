// The adapter contract suite every adapter passes, here with the contract's
// app written as a CGI program (Python) run by cgiApp({ script }).

import { cgiApp } from '../../../adapters/cgi/index.js';
import { runAdapterContract } from '../../helpers/adapter-contract.js';
import { FIXTURES } from './helpers.js';
import { needs } from '../../helpers/system-program.js';

const { test } = needs('python3');

runAdapterContract(test, 'cgi', () => cgiApp({ script: `${FIXTURES}/contract.py` }));
