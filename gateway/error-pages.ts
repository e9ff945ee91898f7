// Error pages: short HTML, or JSON for clients that prefer it (Accept), never a
// stack trace or a server path. Users override them per status or with one
// function (the Kamaelia ErrorPages, made configurable).

import { statusText } from '../core/index.js';
import type { AppResponse } from '../adapters/env.js';

export interface ErrorInfo {
  status: number;
  /** A short, safe explanation (engine messages are; app errors are not passed through). */
  message: string;
  /** The stable error code, for engine errors. */
  code?: string;
  /** The request's Accept field, when a request head was read. */
  accept?: string;
  /** Extra response fields (Allow for 405, Retry-After for 503). */
  headers?: Record<string, string>;
}

export type ErrorPage = string | ((info: ErrorInfo) => AppResponse);
/** Per status (or 'default'), a fixed HTML body or a function returning the whole response. */
export type ErrorPages = Partial<Record<number | 'default', ErrorPage>>;

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** True when Accept ranks application/json above text/html (a rough, bounded check). */
export const prefersJson = (accept: string | undefined): boolean => {
  if (accept === undefined) return false;
  const json = accept.indexOf('application/json');
  if (json === -1) return false;
  const html = accept.indexOf('text/html');
  return html === -1 || json < html;
};

export const defaultErrorPage = (info: ErrorInfo): AppResponse => {
  const title = `${info.status} ${statusText(info.status)}`;
  if (prefersJson(info.accept)) {
    return {
      status: info.status,
      headers: { 'content-type': 'application/json; charset=utf-8', ...info.headers },
      body: JSON.stringify({ error: { status: info.status, message: info.message, ...(info.code ? { code: info.code } : {}) } }) + '\n',
    };
  }
  return {
    status: info.status,
    headers: { 'content-type': 'text/html; charset=utf-8', ...info.headers },
    body: `<!DOCTYPE html>\n<html><head><title>${title}</title></head><body><h1>${title}</h1><p>${escapeHtml(info.message)}</p></body></html>\n`,
  };
};

export const renderErrorPage = (pages: ErrorPages | undefined, info: ErrorInfo): AppResponse => {
  const page = pages?.[info.status] ?? pages?.default;
  if (page === undefined) return defaultErrorPage(info);
  if (typeof page === 'string') {
    return { status: info.status, headers: { 'content-type': 'text/html; charset=utf-8', ...info.headers }, body: page };
  }
  const answer = page(info);
  return { ...answer, headers: answer.headers ?? { ...info.headers } };
};
