// No default export: a module-level fetch() function.
export function fetch(request) {
  return new Response(`named-fetch ${new URL(request.url).pathname}`);
}
