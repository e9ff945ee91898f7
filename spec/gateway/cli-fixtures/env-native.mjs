// A native app recognised by its first parameter's name, env.
export default async function app(env, res) {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(`env-native ${env.scriptName}|${env.pathInfo}`);
}
