// Process-wide state held only while something needs it: the first hold
// installs it, the last release takes it away. Used for what a running server
// puts on the process (the stray-error listeners, gateway/request-scope.ts) and
// what a served app does (the fetch adapter's light Response). Each release
// counts once, however often it is called, so a server closed twice cannot take
// the state from under another.

export interface ProcessHold {
  /** Holds the state until the returned function is called. */
  hold(): () => void;
  /** True while at least one hold is not released. */
  held(): boolean;
}

export const processHold = (install: () => void, remove: () => void): ProcessHold => {
  let holders = 0;
  return {
    hold: () => {
      if (holders++ === 0) install();
      let released = false;
      return () => {
        if (released) return;
        released = true;
        if (--holders === 0) remove();
      };
    },
    held: () => holders > 0,
  };
};
