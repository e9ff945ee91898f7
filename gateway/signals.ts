// The one place that installs process signal handlers, for a single process, a
// cluster worker and the --workers primary alike (nginx's and gunicorn's set):
//   SIGTERM, SIGINT  stop: drain in-flight requests, then exit; a second one exits 1 at once
//   SIGHUP           reload the whole config (Launched.reload, reload.ts; the --workers primary: a rolling restart)
//   SIGUSR1          reopen the access log after logrotate moved it
// Callers hand over what each signal does; a hook left out keeps Node's own
// behaviour for that signal (SIGUSR1 starts the inspector, so it is only taken
// when there is a log to reopen). Installing twice in one process is a bug.

export interface SignalHooks {
  /** The first SIGTERM/SIGINT. */
  stop(signal: NodeJS.Signals): void;
  /** The second: stop waiting for the drain. */
  stopNow(signal: NodeJS.Signals): void;
  reload?: () => void;
  reopenLogs?: () => void;
}

let installed = false;

export const installSignals = (hooks: SignalHooks): void => {
  if (installed) throw new Error('signal handlers are already installed in this process');
  installed = true;
  let stops = 0;
  const onStop = (signal: NodeJS.Signals): void => (++stops > 1 ? hooks.stopNow(signal) : hooks.stop(signal));
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  if (hooks.reload !== undefined) process.on('SIGHUP', hooks.reload);
  if (hooks.reopenLogs !== undefined) process.on('SIGUSR1', hooks.reopenLogs);
};
