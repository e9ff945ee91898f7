// Express 5 is installed under the alias `express5`; its API as used here matches Express 4's types.
declare module 'express5' {
  import express from 'express';
  export default express;
}
