// Benchmark baseline: a bare Express 5 route that answers 200 without reading the body (the
// ceiling of an Express app on one core). Express resolves from the project's node_modules.
// Run:  PORT=8103 node bench/bare-express.ts
import express from 'express';

const port = Number(process.env.PORT ?? 8103);
const app = express();
app.post('/webhooks/twilio/messages', (_req, res) => {
  res.status(200).type('text/xml').end('<Response></Response>');
});
app.listen(port, '127.0.0.1', () => console.log(`bare express on ${port}`));
