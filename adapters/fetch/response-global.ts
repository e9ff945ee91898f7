// When the light Response (light-response.ts) stands in for the global Response.
// Handlers build their Responses with the global (`new Response(...)`, Hono's
// c.text), so there is no other way in; @hono/node-server replaces it for the
// whole process as soon as it builds a listener, and for good. Here it is held:
// fetchApp() asks for it while a Portico server hosting the app is listening (the
// server calls the app's serving hook, adapters/env.ts), and the global goes back
// to Node's own when the last holder lets go. Code elsewhere in the process sees
// the light Response only while such a server runs, and it behaves as Node's
// does (spec/adapters/fetch/light-response.spec.ts compares them property by
// property); what can still tell them apart is identity, where code compares
// prototypes or constructors instead of using instanceof. If something else
// replaced the global (@hono/node-server in the same process), it is left alone,
// installed or restored, and the adapter sends whatever Responses it gets. Where
// the probe found the light Response unfit, it is never installed.

import { processHold } from '../process-hold.js';
import { LightResponse, NodeResponse, lightResponsesWork } from './light-response.js';

const lightGlobal = processHold(
  () => {
    if (globalThis.Response === NodeResponse) globalThis.Response = LightResponse as unknown as typeof Response;
  },
  () => {
    if (globalThis.Response === (LightResponse as unknown as typeof Response)) globalThis.Response = NodeResponse;
  },
);

/**
 * Makes the light Response the global Response until the returned function is
 * called (once per holder; the last release puts Node's back). Does nothing
 * where light Responses do not work.
 */
export const holdLightResponse = (): (() => void) => (lightResponsesWork ? lightGlobal.hold() : () => {});

/** True while the light Response is the global one. */
export const lightResponseInstalled = (): boolean => globalThis.Response === (LightResponse as unknown as typeof Response);
