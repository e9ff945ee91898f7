// supertest ships no types and @types/supertest is not installed: the specs use it untyped.
declare module 'supertest';
