// The Kamaelia HelloHandler, as a native Portico app: every request gets
// "Hello World!" as text/plain.
export default function hello() {
  return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Hello World!\n' };
}
