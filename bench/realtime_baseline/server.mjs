// Minimal Node `ws` broadcast server: the baseline of bench/realtime_fanout.py.
// WebSocket clients connect anywhere; `POST /broadcast` sends the body to every client.
// Usage: node server.mjs PORT
import http from "node:http";
import { WebSocketServer } from "ws";

const port = Number(process.argv[2]);
const server = http.createServer((req, res) => {
  if (req.method === "POST" && req.url === "/broadcast") {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      for (const client of wss.clients) client.send(body);
      res.end("{}");
    });
    return;
  }
  res.end("ok\n");
});
const wss = new WebSocketServer({ server, perMessageDeflate: false });
server.listen(port, "127.0.0.1", 4096);
