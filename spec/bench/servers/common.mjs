// What every benchmark server shares: the port (argv[2], else PORT), the payloads,
// the "ready" / "unavailable: <why>" handshake the harness waits for (and
// "serving-pid N" from a wrapper whose server is another process), a SIGTERM
// that exits cleanly (so `node --cpu-prof` gets to write its profile), and a
// SIGUSR2 that runs the garbage collector when node has --expose-gc.
// Payloads are allocated once: the benchmark measures serving, not allocating.

export const port = Number(process.argv[2] ?? process.env.PORT ?? 8080);
export const HELLO = 'Hello World!';
export const BODIES = { '/64k': Buffer.alloc(64 * 1024, 'a'), '/1m': Buffer.alloc(1024 * 1024, 'b') };
/** Size of the /stream response; the harness shrinks it for --quick. */
export const STREAM_BYTES = Number(process.env.BENCH_STREAM_BYTES ?? 2 ** 30);
export const CHUNK = Buffer.alloc(64 * 1024, 'c');
/** Idle keep-alive timeout, raised by the harness for the idle-connections scenario. */
export const KEEP_ALIVE_MS = Number(process.env.BENCH_KEEPALIVE_MS ?? 5_000);
/** Root of the static-file scenario (a directory the harness fills). */
export const STATIC_ROOT = process.env.BENCH_STATIC_ROOT ?? '/tmp';
export const CGI_ROOT = new URL('../cgi/cgi-bin/', import.meta.url).pathname;

export const ready = () => console.log('ready');

/** A wrapper whose server is another process (nginx) names it: the harness measures that pid. */
export const servingPid = (pid) => console.log(`serving-pid ${pid}`);

export const unavailable = (reason) => {
  console.log(`unavailable: ${reason}`);
  process.exit(3);
};

/** Imports `name` from `specifier`, or reports the server unavailable (an adapter not landed yet). */
export const importOrUnavailable = async (specifier, name) => {
  let mod;
  try {
    mod = await import(specifier);
  } catch (err) {
    unavailable(`${specifier} not importable (${err.code ?? err.message})`);
  }
  if (typeof mod[name] !== 'function') unavailable(`${specifier} has no ${name}()`);
  return mod[name];
};

// With --expose-gc (the idle-connections scenario), SIGUSR2 asks for a full
// collection, so that RSS can be read without the garbage of past requests.
process.on('SIGUSR2', () => {
  globalThis.gc?.();
  console.log(globalThis.gc ? 'collected' : 'no-gc');
});
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
