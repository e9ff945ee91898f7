// The program's environment: RFC 3875 §4.1 meta-variables, the extensions
// programs rely on (SCRIPT_FILENAME, REQUEST_URI, DOCUMENT_ROOT, HTTPS,
// REDIRECT_STATUS for php-cgi's force_redirect), and HTTP_* for request fields
// (§4.1.18). Safety first: the server's own environment is not inherited (only
// an allow-list), `Proxy` is never passed (httpoxy, CVE-2016-5386: it would
// become HTTP_PROXY, read by HTTP clients as their proxy), field names with
// anything but letters, digits and "-" are dropped (so `X_Foo` cannot pose as
// `X-Foo`), and credentials are withheld unless the mount opts in (Apache's
// CGIPassAuth). The configured `env` is applied last and wins over everything.
// The FastCGI adapter sends these same variables as its params (its options
// have the same four fields), so both gateways describe a request alike.

import type { Env } from '../env.js';
import type { ResolvedOptions } from './options.js';
import type { ScriptTarget } from './script-resolver.js';
import { SERVER_SOFTWARE } from './version.js';

/** Field name → its HTTP_* variable, or null when the field is never passed. */
const names = new Map<string, string | null>();
const MAX_CACHED_NAMES = 1024;
const PASSABLE = /^[A-Za-z0-9-]+$/;

/** Fields never passed as HTTP_*: the body's own (§4.1.18), httpoxy, and credentials (unless opted in). */
const NEVER = new Set(['content-length', 'content-type', 'proxy']);
const CREDENTIALS = new Set(['authorization', 'proxy-authorization']);

const variableName = (field: string): string | null => {
  let name = names.get(field);
  if (name !== undefined) return name;
  name = NEVER.has(field) || !PASSABLE.test(field) ? null : 'HTTP_' + field.toUpperCase().replaceAll('-', '_');
  // Field names come from clients: cache a bounded number so the map cannot grow without end.
  if (names.size < MAX_CACHED_NAMES) names.set(field, name);
  return name;
};

/** The request-target as a path and query (absolute-form targets lose their scheme and authority). */
const requestUri = (target: string): string => {
  if (target.charCodeAt(0) === 0x2f) return target;
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/.exec(target);
  if (m === null) return target;
  const rest = target.slice(m[0].length);
  return rest === '' || rest.charCodeAt(0) === 0x3f ? '/' + rest : rest;
};

export interface BodyShape {
  /** CONTENT_LENGTH, or -1 to leave it unset (no body, or a body streamed with unknown length). */
  contentLength: number;
  /** The body the program reads is de-chunked and counted: Transfer-Encoding no longer describes it. */
  spooled: boolean;
}

/** What the variables depend on besides the request: the part of the options they read. */
export type MetaVariableOptions = Pick<ResolvedOptions, 'baseEnv' | 'passAuthorization' | 'documentRoot' | 'env'>;

export const metaVariables = (
  env: Env,
  target: Pick<ScriptTarget, 'filename' | 'scriptName' | 'pathInfo'>,
  body: BodyShape,
  options: MetaVariableOptions,
): Record<string, string> => {
  const vars: Record<string, string> = { ...options.baseEnv };
  const headers = env.headers;
  for (const field in headers) {
    const name = variableName(field);
    if (name === null) continue;
    if (CREDENTIALS.has(field) && !options.passAuthorization) continue;
    if (body.spooled && field === 'transfer-encoding') continue;
    vars[name] = headers[field]!;
  }
  if (options.passAuthorization && headers['authorization'] !== undefined) {
    // §4.1.1: the auth-scheme token of the Authorization field.
    const scheme = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/.exec(headers['authorization']);
    if (scheme !== null) vars['AUTH_TYPE'] = scheme[0];
  }
  if (body.contentLength >= 0) vars['CONTENT_LENGTH'] = String(body.contentLength);
  const contentType = headers['content-type'];
  if (contentType !== undefined) vars['CONTENT_TYPE'] = contentType;
  vars['GATEWAY_INTERFACE'] = 'CGI/1.1';
  vars['PATH_INFO'] = target.pathInfo;
  // §4.1.6: PATH_TRANSLATED only when there is a PATH_INFO to translate.
  if (target.pathInfo !== '') vars['PATH_TRANSLATED'] = options.documentRoot + target.pathInfo;
  vars['QUERY_STRING'] = env.queryString;
  vars['REMOTE_ADDR'] = env.remoteAddress;
  // §4.1.9: without a reverse lookup, REMOTE_HOST may be the address.
  vars['REMOTE_HOST'] = env.remoteAddress;
  vars['REMOTE_PORT'] = String(env.remotePort);
  vars['REQUEST_METHOD'] = env.method;
  vars['SCRIPT_NAME'] = target.scriptName;
  vars['SERVER_NAME'] = env.serverName;
  vars['SERVER_PORT'] = String(env.serverPort);
  vars['SERVER_PROTOCOL'] = env.protocol;
  vars['SERVER_SOFTWARE'] = SERVER_SOFTWARE;
  vars['SERVER_ADDR'] = env.localAddress;
  vars['SCRIPT_FILENAME'] = target.filename;
  vars['REQUEST_URI'] = requestUri(env.target);
  vars['REQUEST_SCHEME'] = env.scheme;
  vars['DOCUMENT_ROOT'] = options.documentRoot;
  if (env.secure) vars['HTTPS'] = 'on';
  // php-cgi's cgi.force_redirect refuses to run unless a server says it launched it.
  vars['REDIRECT_STATUS'] = '200';
  Object.assign(vars, options.env);
  return vars;
};
