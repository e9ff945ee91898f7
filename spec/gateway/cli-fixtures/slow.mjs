// Answers after ?ms=N milliseconds, streaming two parts: a request in flight
// while the server is told to stop.
export const porticoKind = 'native';
export default async (env, res) => {
  const ms = Number(new URLSearchParams(env.queryString).get('ms') ?? 500);
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.write('started ');
  await new Promise((resolve) => setTimeout(resolve, ms));
  res.end(`done ${env.pathInfo}`);
};
