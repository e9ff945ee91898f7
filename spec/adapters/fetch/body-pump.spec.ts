// Streaming a Response body to the client (body-pump.ts): each chunk leaves as
// soon as the stream yields it. Server-Sent Events are the case that shows
// batching: a lockstep test (the next event is produced only after the client
// has received the previous one, so any holding back would stall it) and a
// timing test (events 100 ms apart arrive apart, unless the test process itself
// was stalled across the gap).

import test from 'ava';
import { request } from 'undici';
import { eventArrivals } from '../../helpers/event-arrivals.js';
import { serveFetch } from './helpers.js';

const encoder = new TextEncoder();

test('SSE in lockstep: each event reaches the client before the next is produced', async (t) => {
  t.timeout(30_000);
  const EVENTS = 10;
  let release: (() => void) | null = null;
  const { url } = await serveFetch(t, () => {
    let n = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (n > 0) await new Promise<void>((resolve) => (release = resolve));
        if (n === EVENTS) return controller.close();
        controller.enqueue(encoder.encode(`id: ${n}\ndata: event ${n}\n\n`));
        n++;
      },
    });
    return new Response(body, { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } });
  });
  const res = await request(`${url}/f/sse`);
  t.is(res.headers['content-type'], 'text/event-stream');
  t.is(res.headers['transfer-encoding'], 'chunked');
  const received: string[] = [];
  let buffered = '';
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    buffered += chunk.toString();
    let end;
    while ((end = buffered.indexOf('\n\n')) !== -1) {
      received.push(buffered.slice(0, end));
      buffered = buffered.slice(end + 2);
      // Only now may the server produce the next event.
      const r = release as (() => void) | null;
      release = null;
      r?.();
    }
  }
  t.deepEqual(received, Array.from({ length: EVENTS }, (_, i) => `id: ${i}\ndata: event ${i}`));
});

test('SSE events 100 ms apart arrive one by one at an undici client (timestamps show no batching)', async (t) => {
  t.timeout(30_000);
  const EVENTS = 6;
  // Each event in a read of its own, unless this process was stalled across the
  // gap (event-arrivals.ts says why that merges them and how it is told apart).
  const watch = eventArrivals();
  t.teardown(() => watch.stop());
  const { url } = await serveFetch(t, () => {
    let n = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (n > 0) await new Promise((r) => setTimeout(r, 100));
        if (n === EVENTS) return controller.close();
        watch.produced();
        controller.enqueue(encoder.encode(`data: ${n++}\n\n`));
      },
    });
    return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
  });
  const res = await request(`${url}/f/sse`);
  let text = '';
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    watch.read(chunk);
    text += chunk.toString();
  }
  watch.stop();
  const { reads, productions } = watch;
  t.log(reads.map((at, i) => (i === 0 ? '0' : (at - reads[i - 1]!).toFixed(0))).join(' ms, ') + ' ms');
  t.is(text, Array.from({ length: EVENTS }, (_, i) => `data: ${i}\n\n`).join(''));
  t.deepEqual(watch.unexplainedMerges(), [], `events arrive separately (${reads.length} reads for ${EVENTS} events)`);
  const total = reads.at(-1)! - productions[0]!;
  t.true(total >= (EVENTS - 1) * 100 * 0.8, `arrivals are spread over the production time (${total.toFixed(0)} ms)`);
});
