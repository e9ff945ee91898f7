// The Hono app as a module for the CLI (`portico -p PORT spec/bench/servers/hono-module.mjs`):
// what a user serving `export default app` with the portico command runs.
import { honoApp } from './hono-app.mjs';

export default honoApp;
