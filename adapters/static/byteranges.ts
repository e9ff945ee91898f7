// The multipart/byteranges body for a request with several ranges (RFC 9110
// §14.6): each part is a delimiter, Content-Type and Content-Range fields, a
// blank line and the bytes; a final delimiter closes the body. Everything but
// the file bytes is known up front, so the total length is too, and the body
// goes out with Content-Length rather than chunked. The boundary is random so
// that it cannot occur in the parts by more than chance.

import { randomBytes } from 'node:crypto';
import type { ByteRange } from './ranges.js';

export interface MultipartPlan {
  contentType: string;
  /** The head before each range's bytes, index for index. */
  partHeads: string[];
  /** The closing delimiter. */
  tail: string;
  /** Bytes of the whole body. */
  length: number;
}

export const planByteranges = (ranges: readonly ByteRange[], size: number, partType: string): MultipartPlan => {
  const boundary = randomBytes(16).toString('hex');
  const partHeads: string[] = [];
  // The CRLF before each delimiter belongs to it (RFC 2046 §5.1.1).
  let length = 0;
  for (const { start, end } of ranges) {
    const head = `\r\n--${boundary}\r\nContent-Type: ${partType}\r\nContent-Range: bytes ${start}-${end}/${size}\r\n\r\n`;
    partHeads.push(head);
    length += Buffer.byteLength(head, 'latin1') + (end - start + 1);
  }
  const tail = `\r\n--${boundary}--\r\n`;
  length += tail.length;
  return { contentType: `multipart/byteranges; boundary=${boundary}`, partHeads, tail, length };
};
