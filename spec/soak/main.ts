// `npm run soak [N]`: the full soak (default 1,000,000 requests), printed as a report.
import { runSoak } from './run-soak.js';

const total = Number(process.argv[2] ?? 1_000_000);
const report = await runSoak(total, 32, 200, (line) => console.log(line));
const mib = (n: number) => (n / 1048576).toFixed(1) + ' MiB';
console.log(JSON.stringify({ ...report, start: undefined, warm: undefined, end: undefined }, null, 2));
console.log(`fds: start ${report.start.fds}, after warm-up ${report.warm.fds}, end ${report.end.fds}`);
console.log(`child processes at the end: ${report.end.children}; connections: ${report.end.connections}`);
console.log(`RSS: after warm-up ${mib(report.warm.rss)}, end ${mib(report.end.rss)} (${(((report.end.rss - report.warm.rss) / report.warm.rss) * 100).toFixed(1)}%); JS heap ${mib(report.warm.heapUsed)} → ${mib(report.end.heapUsed)}`);
const ok = report.unexpected.length === 0 && report.end.fds <= report.warm.fds && report.end.children === 0 && report.end.rss <= report.warm.rss * 1.1;
console.log(ok ? 'soak: PASS' : 'soak: FAIL');
process.exit(ok ? 0 : 1);
