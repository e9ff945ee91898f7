// The events a WHATWG WebSocket dispatches (https://websockets.spec.whatwg.org/):
// MessageEvent is global in Node 20; CloseEvent and ErrorEvent are global from
// Node 23 (undici's), and are used from there when present. Otherwise these
// small classes stand in, with the same fields, so that importing portico/fetch
// does not load the undici package (a fifth of a second of startup) for them.

type EventInit = NonNullable<ConstructorParameters<typeof Event>[1]>;

interface CloseEventInit extends EventInit {
  code?: number;
  reason?: string;
  wasClean?: boolean;
}

interface ErrorEventInit extends EventInit {
  message?: string;
  error?: unknown;
}

class CloseEventShim extends Event {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
  constructor(type: string, init: CloseEventInit = {}) {
    super(type, init);
    this.code = init.code ?? 0;
    this.reason = init.reason ?? '';
    this.wasClean = init.wasClean ?? false;
  }
}

class ErrorEventShim extends Event {
  readonly message: string;
  readonly error: unknown;
  constructor(type: string, init: ErrorEventInit = {}) {
    super(type, init);
    this.message = init.message ?? '';
    this.error = init.error;
  }
}

const globals = globalThis as unknown as { CloseEvent?: typeof CloseEventShim; ErrorEvent?: typeof ErrorEventShim };

export const CloseEvent: typeof CloseEventShim = globals.CloseEvent ?? CloseEventShim;
export type CloseEvent = CloseEventShim;
export const ErrorEvent: typeof ErrorEventShim = globals.ErrorEvent ?? ErrorEventShim;
export type ErrorEvent = ErrorEventShim;
export const MessageEvent = globalThis.MessageEvent;
export type MessageEvent = globalThis.MessageEvent;
