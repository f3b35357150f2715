// A loopback server answering every GET /api/v1/tasks/{id} with the same SUCCEEDED task, in its own
// process so the client being measured has the event loop to itself. Prints its port, then serves.
import { createServer } from 'node:http';

const body = JSON.stringify({
  request_id: 'b64e0f7a-0000-4000-8000-000000000000',
  output: {
    task_id: 'a1c6aa4c-0000-4000-8000-000000000000',
    task_status: 'SUCCEEDED',
    submit_time: '2025-12-26 11:33:03.146',
    scheduled_time: '2025-12-26 11:33:13.312',
    end_time: '2025-12-26 11:33:22.455',
    results: { video_url: 'http://127.0.0.1/results/a1c6.mp4?Expires=1766806402' },
  },
  usage: { video_duration: 2.79, video_ratio: 'standard' },
});
const server = createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
