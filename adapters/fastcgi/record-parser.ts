// The records an application sends back, parsed without I/O: bytes in, events
// out. Stream records (STDOUT, STDERR) are passed on piece by piece as their
// bytes arrive, as subarrays of the input, so a 64 KiB record is never buffered
// whole and a slow socket still sees output as it comes. The other records are
// short (END_REQUEST is 8 bytes, §5.5) and are gathered before they are
// reported, bounded by the header's 16-bit length. A record of another version
// is a protocol error: the connection can no longer be trusted.

import { FCGI_VERSION_1, HEADER_LEN, RecordType } from './protocol.js';
import { FastCgiProtocolError } from './fastcgi-error.js';

export { FastCgiProtocolError };

export type RecordEvent =
  | { type: 'stdout' | 'stderr'; requestId: number; data: Buffer }
  /** The empty record that ends a stream (§3.3). */
  | { type: 'stdout-end' | 'stderr-end'; requestId: number }
  | { type: 'end-request'; requestId: number; appStatus: number; protocolStatus: number }
  /** Any other record (GET_VALUES_RESULT, UNKNOWN_TYPE, ...), whole. */
  | { type: 'other'; recordType: number; requestId: number; content: Buffer };

export class RecordParser {
  private head = Buffer.alloc(HEADER_LEN);
  private headFilled = 0;
  private recordType = 0;
  private requestId = 0;
  /** Content bytes of the current record still to come, then its padding. */
  private contentLeft = 0;
  private paddingLeft = 0;
  private inRecord = false;
  /** Content of a non-stream record gathered so far. */
  private gathered: Buffer[] = [];

  /** Feeds bytes; returns the events they complete, in order. Throws FastCgiProtocolError. */
  push(chunk: Buffer): RecordEvent[] {
    const events: RecordEvent[] = [];
    let at = 0;
    while (at < chunk.length) {
      if (!this.inRecord) {
        const n = Math.min(HEADER_LEN - this.headFilled, chunk.length - at);
        chunk.copy(this.head, this.headFilled, at, at + n);
        this.headFilled += n;
        at += n;
        if (this.headFilled < HEADER_LEN) break;
        this.startRecord(events);
        continue;
      }
      if (this.contentLeft > 0) {
        const n = Math.min(this.contentLeft, chunk.length - at);
        this.content(chunk.subarray(at, at + n), events);
        this.contentLeft -= n;
        at += n;
        if (this.contentLeft === 0) {
          this.contentDone(events);
          if (this.paddingLeft === 0) this.inRecord = false;
        }
        continue;
      }
      const n = Math.min(this.paddingLeft, chunk.length - at);
      this.paddingLeft -= n;
      at += n;
      if (this.paddingLeft === 0) this.inRecord = false;
    }
    return events;
  }

  /** True between records (nothing of a record is pending). */
  get idle(): boolean {
    return !this.inRecord && this.headFilled === 0;
  }

  private startRecord(events: RecordEvent[]): void {
    const h = this.head;
    if (h[0] !== FCGI_VERSION_1) throw new FastCgiProtocolError(`FastCGI record of version ${h[0]}`);
    this.recordType = h[1]!;
    this.requestId = h.readUInt16BE(2);
    this.contentLeft = h.readUInt16BE(4);
    this.paddingLeft = h[6]!;
    this.headFilled = 0;
    this.inRecord = true;
    this.gathered = [];
    if (this.contentLeft === 0) this.contentDone(events);
    if (this.contentLeft === 0 && this.paddingLeft === 0) this.inRecord = false;
  }

  private isStream(): boolean {
    return this.recordType === RecordType.Stdout || this.recordType === RecordType.Stderr;
  }

  private content(piece: Buffer, events: RecordEvent[]): void {
    if (this.isStream()) events.push({ type: this.recordType === RecordType.Stdout ? 'stdout' : 'stderr', requestId: this.requestId, data: piece });
    else this.gathered.push(Buffer.from(piece));
  }

  private contentDone(events: RecordEvent[]): void {
    const requestId = this.requestId;
    const length = this.head.readUInt16BE(4);
    if (this.isStream()) {
      if (length === 0) events.push({ type: this.recordType === RecordType.Stdout ? 'stdout-end' : 'stderr-end', requestId });
      return;
    }
    const content = Buffer.concat(this.gathered);
    this.gathered = [];
    if (this.recordType === RecordType.EndRequest) {
      if (content.length < 8) throw new FastCgiProtocolError(`FastCGI END_REQUEST of ${content.length} bytes`);
      events.push({ type: 'end-request', requestId, appStatus: content.readUInt32BE(0), protocolStatus: content[4]! });
      return;
    }
    events.push({ type: 'other', recordType: this.recordType, requestId, content });
  }
}
