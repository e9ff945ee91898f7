// What a Response holds, found without consuming it. Node's Response (undici)
// keeps the value it was built from next to the stream it made of it: a string
// (from a string or URLSearchParams), a Uint8Array copy (from bytes), a Blob or
// FormData, each with its length in bytes; only a ReadableStream body has no
// known length. Reading that record lets a string or bytes body go out in one
// write with Content-Length, with no stream read and no promise, and lets Blob
// and FormData bodies declare their length before they are streamed. Response
// sets no Content-Length field itself, so there is no other place to learn it.
//
// The record is undici's internal state; it is found once, by probing a
// Response made here, and trusted only if it has exactly the expected shape.
// Where it is not found (another runtime or Response class) every body takes the
// stream path, which still sends a body that ends at once with Content-Length.

interface BodyRecord {
  stream: ReadableStream<Uint8Array>;
  source: unknown;
  length: number | null;
}

const PROBE = 'portico';

const findStateKey = (): symbol | null => {
  try {
    const probe = new Response(PROBE);
    for (const key of Object.getOwnPropertySymbols(probe)) {
      const value = (probe as unknown as Record<symbol, { body?: Partial<BodyRecord> } | undefined>)[key];
      const body = value?.body;
      if (body?.source === PROBE && body.length === PROBE.length && body.stream === probe.body) return key;
    }
  } catch {
    // No usable Response here; the stream path serves every body.
  }
  return null;
};

const STATE = findStateKey();

/** Undici's record of the body; null for a Response without one; undefined when unknown. */
const recordOf = (response: Response): BodyRecord | null | undefined => {
  if (STATE === null) return response.body === null ? null : undefined;
  const state = (response as unknown as Record<symbol, { body: BodyRecord | null } | undefined>)[STATE];
  if (state === undefined) return response.body === null ? null : undefined;
  return state.body;
};

/**
 * The whole body when the Response holds it as a string or bytes and it was not
 * read: a string (sent as UTF-8) or a Uint8Array; null when there is no body;
 * undefined when the body has to be streamed.
 */
export const heldBody = (response: Response): string | Uint8Array | null | undefined => {
  const body = recordOf(response);
  if (body === null || body === undefined) return body;
  const source = body.source;
  if ((typeof source === 'string' || source instanceof Uint8Array) && !body.stream.locked && !response.bodyUsed) return source;
  return undefined;
};

/** The body's length in bytes when the Response knows it (Blob, FormData, ...), else -1. */
export const knownLength = (response: Response): number => {
  const body = recordOf(response);
  return body === null || body === undefined || body.length === null ? -1 : body.length;
};

/** True when this module can see into the Responses of this runtime (for tests). */
export const canSeeResponseBodies = STATE !== null;
