// Error pages: short HTML, or JSON for clients that prefer it (Accept), never a
// stack trace or a server path. Users override them per status or with one
// function (the Kamaelia ErrorPages, made configurable).

import type { AppResponse, ErrorPageInfo } from '../adapters/env.js';
import { defaultErrorPage as defaultPage } from '../adapters/error-page.js';

export { prefersJson } from '../adapters/error-page.js';

/** What an error page is told: the adapters' ErrorPageInfo and the request's Accept field. */
export interface ErrorInfo extends ErrorPageInfo {
  /** The request's Accept field, when a request head was read. */
  accept?: string;
}

export type ErrorPage = string | ((info: ErrorInfo) => AppResponse);
/** Per status (or 'default'), a fixed HTML body or a function returning the whole response. */
export type ErrorPages = Partial<Record<number | 'default', ErrorPage>>;

/** The default page for `info` (adapters/error-page.ts holds it, so adapters outside a server render the same). */
export const defaultErrorPage = (info: ErrorInfo): AppResponse => defaultPage(info, info.accept);

export const renderErrorPage = (pages: ErrorPages | undefined, info: ErrorInfo): AppResponse => {
  const page = pages?.[info.status] ?? pages?.default;
  if (page === undefined) return defaultPage(info, info.accept);
  if (typeof page === 'string') {
    return { status: info.status, headers: { 'content-type': 'text/html; charset=utf-8', ...info.headers }, body: page };
  }
  const answer = page(info);
  // The fields the status needs (Allow on a 405, Content-Range on a 416, Retry-After) stay unless the page sets its own.
  return { ...answer, headers: { ...info.headers, ...answer.headers } };
};
