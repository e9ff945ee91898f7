import connect from 'connect';
const app = connect();
app.use((req, res) => {
  res.setHeader('content-type', 'text/plain');
  res.end(`connect ${req.url}`);
});
export default app;
