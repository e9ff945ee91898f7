// Waits for a counter to stop moving: how backpressure tests tell "the
// producer is stalled" on a loaded machine without a fixed sleep.

/** Polls `count()` every 500 ms until two readings agree (bounded); returns the settled value. */
export const settled = async (count: () => number, boundMs = 20_000): Promise<number> => {
  const deadline = Date.now() + boundMs;
  let last = -1;
  while (Date.now() < deadline) {
    const now = count();
    if (now === last) return now;
    last = now;
    await new Promise((r) => setTimeout(r, 500));
  }
  return count();
};
