// Tells a server that batches streamed events from a test process that did not
// run. Events produced 100 ms apart must reach the client in separate reads,
// unless the test's own process was stalled (a loaded machine) across the gap:
// libuv runs due timers before it polls sockets, so after a stall the producer's
// next event is written before the previous one is read, and one read gets both.
// A heartbeat every 10 ms records when the event loop ran; a merge is accepted
// only where the heartbeat shows the loop stopped for half the production gap.

export interface EventArrivals {
  /** Call as event `n` is handed to the server (n counts from 0). */
  produced(): void;
  /** Call with each chunk the client reads. */
  read(chunk: Buffer): void;
  stop(): void;
  /** Read times, one per chunk. */
  readonly reads: readonly number[];
  /** Production times, one per event. */
  readonly productions: readonly number[];
  /** Events after the first of a read, each a merge no stall of this process explains. */
  unexplainedMerges(): string[];
}

/** Counts events by their terminator (SSE: a blank line). */
export const eventArrivals = (terminator = '\n\n', heartbeatMs = 10): EventArrivals => {
  const beats: number[] = [performance.now()];
  const heartbeat = setInterval(() => beats.push(performance.now()), heartbeatMs);
  const productions: number[] = [];
  const reads: number[] = [];
  /** For each read, the index of the first and last event it completed (last < first: none). */
  const completed: Array<[number, number]> = [];
  let text = '';
  let events = 0;
  const stalled = (from: number, to: number, ms: number): boolean => {
    const points = [from, ...beats.filter((b) => b > from && b < to), to];
    return points.some((p, i) => i > 0 && p - points[i - 1]! >= ms);
  };
  return {
    produced: () => void productions.push(performance.now()),
    read: (chunk) => {
      reads.push(performance.now());
      text += chunk.toString('latin1');
      const first = events;
      for (let at = text.indexOf(terminator); at !== -1; at = text.indexOf(terminator)) {
        text = text.slice(at + terminator.length);
        events++;
      }
      completed.push([first, events - 1]);
    },
    stop: () => clearInterval(heartbeat),
    reads,
    productions,
    unexplainedMerges: () => {
      const out: string[] = [];
      for (const [first, last] of completed) {
        for (let n = first + 1; n <= last; n++) {
          const from = productions[n - 1]!;
          const to = productions[n]!;
          if (!stalled(from, to, (to - from) / 2)) out.push(`event ${n} read with event ${n - 1}, produced ${(to - from).toFixed(0)} ms after it, while the loop ran`);
        }
      }
      return out;
    },
  };
};
