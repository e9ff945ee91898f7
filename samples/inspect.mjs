// Inspect: answers the env it was given as JSON, body excluded: the quickest way
// to see what Portico passes to apps.
export default function inspect(env) {
  const { body, extensions, ...rest } = env;
  const shown = {
    ...rest,
    body: { length: body.length },
    extensions: Object.fromEntries(
      Object.entries(extensions).filter(([, v]) => v === null || ['string', 'number', 'boolean'].includes(typeof v)),
    ),
  };
  return {
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(shown, null, 2) + '\n',
  };
}
