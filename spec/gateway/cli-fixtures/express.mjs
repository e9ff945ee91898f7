import express from 'express';
const app = express();
app.get('/hi', (req, res) => res.type('text/plain').send(`express ${req.path}`));
export default app;
