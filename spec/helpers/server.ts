// Starts a real Portico on 127.0.0.1 and an ephemeral port for a test, with the
// error log captured instead of printed, and closes it when the test ends.

import type { ExecutionContext } from 'ava';
import { serve, type ServeOptions, type Server } from '../../gateway/index.js';

export interface TestServer {
  server: Server;
  url: string;
  port: number;
  /** Error-log lines written while the test ran. */
  errors: string[];
}

export const startServer = async (t: ExecutionContext | null, options: ServeOptions): Promise<TestServer> => {
  const errors: string[] = [];
  const server = await serve({
    port: 0,
    host: '127.0.0.1',
    logger: { error: (message, fields) => errors.push(`${message} ${JSON.stringify(fields, errorReplacer)}`) },
    ...options,
  });
  t?.teardown(() => server.close());
  return { server, url: server.url, port: server.address.port, errors };
};

const errorReplacer = (_key: string, value: unknown): unknown =>
  value instanceof Error ? `${value.name}: ${value.message}` : value;
