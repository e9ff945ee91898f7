// The bounded soak that runs in CI (the full million is `npm run soak`).
import test from 'ava';
import { runSoak } from './run-soak.js';

test('a bounded soak over every app kind leaves no fd, process or memory behind', async (t) => {
  const report = await runSoak(Number(process.env['SOAK_REQUESTS'] ?? 20_000), 16, 100);
  t.log(`${report.requests} requests in ${report.seconds.toFixed(1)} s over ${report.mounts.join(' ')}; ${report.faultyClients} faulty clients`);
  t.log(`fds ${report.start.fds} → ${report.warm.fds} → ${report.end.fds}; RSS ${(report.warm.rss / 1048576).toFixed(1)} → ${(report.end.rss / 1048576).toFixed(1)} MiB`);
  t.deepEqual(report.unexpected, []);
  t.is(report.end.connections, 0);
  t.is(report.end.children, 0);
  t.true(report.end.fds <= report.warm.fds, 'no file descriptor leaked');
  t.true(report.end.rss <= report.warm.rss * 1.1, 'RSS grew less than 10% after warm-up');
});
