// supertest ships no types and @types/supertest is not a dependency: the part
// of its API these specs use, as its README documents it.
declare module 'supertest' {
  import type { Server } from 'node:http';

  export interface Response {
    status: number;
    headers: Record<string, string>;
    body: unknown;
    text: string;
  }

  interface Test extends PromiseLike<Response> {
    set(field: string, value: string): this;
    send(body: string | object): this;
    /** superagent's: accept a self-signed certificate from localhost / 127.0.0.1. */
    trustLocalhost(toggle?: boolean): this;
    expect(status: number, body?: unknown): this;
    expect(field: string, value: string | RegExp): this;
    expect(body: string | RegExp | object): this;
    expect(check: (res: Response) => void): this;
    end(cb: (err: Error | null, res: Response) => void): this;
  }

  interface SuperTest {
    get(url: string): Test;
    post(url: string): Test;
    put(url: string): Test;
    delete(url: string): Test;
  }

  function request(app: Server | string): SuperTest;
  namespace request {
    function agent(app: Server): SuperTest;
  }
  export default request;
}
