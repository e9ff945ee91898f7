// Module resolve hook (node:module register(), loaded by module-url.ts at the
// first reload; it runs on the loader thread). A module imported with
// ?portico-reload=N passes that query on to the file: modules it imports, so a
// reload evaluates the app's own module graph afresh. Packages (any path with
// /node_modules/) and Portico's own files are left alone: they keep one copy.

const PORTICO = new URL('../../', import.meta.url).href;
const QUERY = /[?&](portico-reload=\d+)/;

interface Resolved {
  url: string;
  format?: string | null;
}
type NextResolve = (specifier: string, context?: unknown) => Promise<Resolved>;

export const resolve = async (specifier: string, context: { parentURL?: string }, next: NextResolve): Promise<Resolved> => {
  const result = await next(specifier, context);
  const mark = context.parentURL === undefined ? null : QUERY.exec(context.parentURL);
  const url = result.url;
  if (mark === null || !url.startsWith('file:') || url.startsWith(PORTICO) || url.includes('/node_modules/') || QUERY.test(url)) return result;
  return { ...result, url: url + (url.includes('?') ? '&' : '?') + mark[1] };
};
