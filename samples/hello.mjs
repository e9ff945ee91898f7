// The Kamaelia HelloHandler, as a native Portico app: every request gets
// "Hello World!" as text/plain.

// Tells the portico CLI this is a native app (a function without parameters
// could be a Fetch handler too): `npx portico samples/hello.mjs` just works.
export const porticoKind = 'native';

export default function hello() {
  return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Hello World!\n' };
}
