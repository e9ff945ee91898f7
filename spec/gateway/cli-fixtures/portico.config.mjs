// A config file as an ES module: serve()'s options plus the CLI's, with app
// functions inline and TARGET strings resolved against this file's folder.
export default {
  host: '127.0.0.1',
  mounts: {
    '/inline': (env) => ({ status: 200, body: `inline ${env.pathInfo}` }),
    '/native': 'native:./unmarked-native.mjs',
    '/limited': { app: './native.mjs', methods: ['GET'], maxBodyBytes: 10 },
  },
};
