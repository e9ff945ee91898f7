// A deliberately simple HTTP/1.1 response reader for tests, independent of the
// engine's code: it splits raw bytes into responses (Content-Length, chunked or
// close-delimited, no body for HEAD/1xx/204/304) so tests can assert exact framing.

export interface RawResponse {
  status: number;
  reason: string;
  version: string;
  /** Field names lower-cased; repeated fields as several entries. */
  headers: Array<[string, string]>;
  body: Buffer;
  /** How the body was delimited. */
  framing: 'length' | 'chunked' | 'close' | 'none';
  trailers: Array<[string, string]>;
  /** The exact bytes of the head (status line to the empty line). */
  rawHead: string;
}

export const header = (res: RawResponse, name: string): string | undefined =>
  res.headers.find(([n]) => n === name.toLowerCase())?.[1];

/**
 * Parses as many complete responses as `bytes` holds. `ended` says the server
 * closed, which completes a close-delimited body. `headRequests` marks, by
 * index, responses to HEAD requests (which have no body).
 */
export const parseResponses = (bytes: Buffer, ended: boolean, headRequests: ReadonlySet<number> = new Set()): { responses: RawResponse[]; rest: Buffer } => {
  const responses: RawResponse[] = [];
  let pos = 0;
  for (;;) {
    const headEnd = bytes.indexOf('\r\n\r\n', pos);
    if (headEnd === -1) break;
    const rawHead = bytes.subarray(pos, headEnd + 4).toString('latin1');
    const lines = rawHead.slice(0, -4).split('\r\n');
    const m = /^(HTTP\/\d\.\d) (\d{3}) ?(.*)$/.exec(lines[0]!);
    if (!m) throw new Error(`Bad status line: ${JSON.stringify(lines[0])}`);
    const status = Number(m[2]);
    const headers = lines.slice(1).map((l): [string, string] => {
      const c = l.indexOf(':');
      return [l.slice(0, c).toLowerCase(), l.slice(c + 1).trim()];
    });
    const get = (n: string) => headers.find(([k]) => k === n)?.[1];
    let p = headEnd + 4;
    const base = { status, reason: m[3]!, version: m[1]!, headers, rawHead, trailers: [] as Array<[string, string]> };
    if (status >= 100 && status < 200) {
      responses.push({ ...base, body: Buffer.alloc(0), framing: 'none' });
      pos = p;
      continue;
    }
    const noBody = headRequests.has(responses.filter((r) => r.status >= 200).length) || status === 204 || status === 304;
    if (noBody) {
      responses.push({ ...base, body: Buffer.alloc(0), framing: 'none' });
      pos = p;
      continue;
    }
    const te = get('transfer-encoding');
    const cl = get('content-length');
    if (te && /chunked/i.test(te)) {
      const parts: Buffer[] = [];
      let complete = false;
      const trailers: Array<[string, string]> = [];
      for (;;) {
        const lineEnd = bytes.indexOf('\r\n', p);
        if (lineEnd === -1) break;
        const size = parseInt(bytes.subarray(p, lineEnd).toString('latin1'), 16);
        if (Number.isNaN(size)) throw new Error('Bad chunk size');
        if (size === 0) {
          let q = lineEnd + 2;
          let done = false;
          for (;;) {
            const e = bytes.indexOf('\r\n', q);
            if (e === -1) break;
            if (e === q) {
              done = true;
              q += 2;
              break;
            }
            const line = bytes.subarray(q, e).toString('latin1');
            const c = line.indexOf(':');
            trailers.push([line.slice(0, c).toLowerCase(), line.slice(c + 1).trim()]);
            q = e + 2;
          }
          if (done) {
            complete = true;
            p = q;
          }
          break;
        }
        if (bytes.length < lineEnd + 2 + size + 2) break;
        parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
        p = lineEnd + 2 + size + 2;
      }
      if (!complete) break;
      responses.push({ ...base, body: Buffer.concat(parts), framing: 'chunked', trailers });
      pos = p;
    } else if (cl !== undefined) {
      const n = Number(cl);
      if (bytes.length < p + n) break;
      responses.push({ ...base, body: bytes.subarray(p, p + n), framing: 'length' });
      pos = p + n;
    } else {
      if (!ended) break;
      responses.push({ ...base, body: bytes.subarray(p), framing: 'close' });
      pos = bytes.length;
    }
  }
  return { responses, rest: bytes.subarray(pos) };
};
