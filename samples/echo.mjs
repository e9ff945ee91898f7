// Echo: answers every method, at any path, with the request body it received,
// byte for byte, streamed back as it arrives (empty when there is none), with the
// request's Content-Type. Backpressure both ways: the body is read only as fast
// as the client takes the answer.
export default async function echo(env, res) {
  const headers = {};
  if (env.headers['content-type'] !== undefined) headers['content-type'] = env.headers['content-type'];
  if (env.body.length >= 0) headers['content-length'] = String(env.body.length);
  res.writeHead(200, headers);
  for await (const chunk of env.body) {
    if (!res.write(chunk)) await new Promise((resolve) => res.onDrain(resolve));
  }
  res.end();
}
