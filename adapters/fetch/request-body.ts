// Bridges the engine's request body to the web ReadableStream a Request holds.
// The stream is pull-driven with a high-water mark of 0: nothing is read until
// the app reads (so an app that never reads never triggers 100 Continue, and
// the engine stops reading the socket). The first pull starts the body flowing
// into the stream (push style, no promise per chunk); each chunk that leaves the
// stream's desired size at 0 pauses the flow, and the next pull resumes it. So at
// most one chunk waits here, the engine's own bounded queue holds the rest, and a
// slow consumer slows the client. Cancelling the stream pauses the body for good;
// the engine then discards what is left (bounded) or closes the connection.

import type { BodyStream } from '../env.js';

export const requestBodyStream = (body: BodyStream): ReadableStream<Uint8Array> => {
  let flowing = false;
  let cancelled = false;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (flowing) {
          body.resume();
          return;
        }
        flowing = true;
        body.flow({
          data(chunk) {
            if (cancelled) return false;
            controller.enqueue(chunk);
            return (controller.desiredSize ?? 0) > 0;
          },
          end(err) {
            if (cancelled) return;
            if (err === undefined) controller.close();
            else controller.error(err);
          },
        });
      },
      cancel() {
        cancelled = true;
        if (flowing) body.pause();
      },
    },
    { highWaterMark: 0 },
  );
};
