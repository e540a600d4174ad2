// A stock pusher-js client for the cross-service realtime tests.
//
// Usage: node client.mjs '<config JSON>'
// Prints one JSON object per line on stdout for everything that happens (state changes,
// subscriptions, events, errors); reads commands as JSON lines on stdin.
//
// Config:
//   key, wsHost, wsPort           where to connect (through nginx in the tests)
//   authEndpoint                  POST /api/v1/realtime/auth of the API
//   auth: {bearer} | {cookie, csrf}
//       bearer: pusher-js's own ajax authorizer with an Authorization header (stock path);
//       cookie + csrf: a browser-like authorizer (a customHandler posting with the session
//       cookie and the CSRF header, because Node's XHR may not send a Cookie header).
//   userAuthEndpoint              POST /api/v1/realtime/user-auth of the API; when set the
//       client signs in (pusher.signin(), pusher-js's userAuthentication) with the same auth,
//       printing {"type":"signed_in", user_id} or {"type":"signin_error", status}
//   channels                      subscribed at start
//   replay: {apiBase, channel}    apply entity events with the recovery recipe: on every
//       subscription_succeeded of `channel`, page GET /api/v1/events?after=<highest applied
//       offset> and apply what was missed; live and replayed events are deduplicated by
//       offset. Prints {"type":"applied", offset, source} once per offset and
//       {"type":"duplicate", offset, source} for every copy it drops.
//
// Commands (stdin): {"cmd":"subscribe","channel"} {"cmd":"unsubscribe","channel"}
//   {"cmd":"trigger","channel","event","data"} {"cmd":"disconnect"} {"cmd":"connect"}
//   {"cmd":"exit"}
import Pusher from "pusher-js";
import readline from "node:readline";

const config = JSON.parse(process.argv[2]);
const out = (obj) => process.stdout.write(JSON.stringify({ t: Date.now(), ...obj }) + "\n");

function authHeaders() {
  const auth = config.auth || {};
  if (auth.bearer) return { Authorization: `Bearer ${auth.bearer}` };
  return { Cookie: auth.cookie, "X-CSRF-Token": auth.csrf };
}

// Browser-like authorizer for cookie sessions (same contract as the ajax one); channel
// authorization posts socket_id + channel_name, user authentication socket_id only.
const cookieAuthorizer = (endpoint) => async (params, callback) => {
  const fields = { socket_id: params.socketId };
  if (params.channelName) fields.channel_name = params.channelName;
  try {
    const response = await fetch(endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", ...authHeaders() },
      body: new URLSearchParams(fields),
    });
    const text = await response.text();
    if (response.status !== 200) {
      const err = new Error(`auth endpoint answered ${response.status}: ${text}`);
      err.status = response.status;
      callback(err, null);
      return;
    }
    callback(null, JSON.parse(text));
  } catch (err) {
    callback(err, null);
  }
};

const authorization = (endpoint) => config.auth && config.auth.bearer
  ? { endpoint, transport: "ajax", headers: authHeaders() }
  : { customHandler: cookieAuthorizer(endpoint) };
const channelAuthorization = authorization(config.authEndpoint);
const userAuthentication = config.userAuthEndpoint
  ? authorization(config.userAuthEndpoint)
  : undefined;

const pusher = new Pusher(config.key, {
  cluster: "mt1", // required by pusher-js 8 even when wsHost is set
  wsHost: config.wsHost,
  wsPort: config.wsPort,
  forceTLS: false,
  enabledTransports: ["ws"],
  disableStats: true,
  channelAuthorization,
  ...(userAuthentication ? { userAuthentication } : {}),
});

pusher.connection.bind("state_change", (states) =>
  out({ type: "state", previous: states.previous, current: states.current,
        socket_id: pusher.connection.socket_id ?? null }));
pusher.connection.bind("message", (event) => {
  if (event.event === "pusher:signin_success") {
    out({ type: "signed_in", user_id: JSON.parse(event.data.user_data).id });
  }
});
pusher.user.bind("pusher:signin_error", (err) =>
  out({ type: "signin_error", status: err?.status ?? null, error: String(err?.error ?? err) }));
if (config.userAuthEndpoint) pusher.signin();
pusher.connection.bind("error", (err) =>
  out({ type: "connection_error", error: err?.error?.data ?? err?.data ?? String(err?.type ?? err) }));

// ---- the recovery recipe (what the web client does) ----
const applied = new Set();
let highest = config.replay?.after ?? 0; // the feed head when the client first loaded its data

function apply(offset, source) {
  if (applied.has(offset)) {
    out({ type: "duplicate", offset, source });
    return;
  }
  applied.add(offset);
  if (offset > highest) highest = offset;
  out({ type: "applied", offset, source });
}

async function replay(reason) {
  // Never cancelled: a replay that overlaps a later one only produces duplicates,
  // which the offset set drops; cutting one short could leave a gap.
  let after = highest;
  const started = after;
  let pages = 0;
  for (;;) {
    let page;
    try {
      const response = await fetch(`${config.replay.apiBase}/api/v1/events?after=${after}&limit=500`, {
        headers: authHeaders(),
      });
      if (response.status !== 200) throw new Error(`feed answered ${response.status}`);
      page = await response.json();
    } catch (err) {
      out({ type: "replay_error", error: String(err) });
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    pages += 1;
    for (const event of page.events) {
      if (event.entity_type === config.replay.entityType) apply(event.offset, "replay");
    }
    after = page.next_after;
    if (!page.has_more) break;
  }
  out({ type: "replayed", reason, from: started, to: after, pages });
}

function watch(channel) {
  const ch = pusher.subscribe(channel);
  ch.bind("pusher:subscription_succeeded", (data) => {
    const members = channel.startsWith("presence-") && ch.members
      ? { count: ch.members.count, me: ch.members.me, ids: Object.keys(ch.members.members).sort() }
      : undefined;
    out({ type: "subscribed", channel, members });
    if (config.replay && config.replay.channel === channel) replay("subscribed");
  });
  // As the web client does: pusher-js never retries a failed authorisation (the API may be
  // restarting), so subscribe again after a growing delay until it succeeds; a refusal
  // (401, 403) stays refused.
  let failures = 0;
  ch.bind("pusher:subscription_succeeded", () => { failures = 0; });
  ch.bind("pusher:subscription_error", (err) => {
    const status = err?.status ?? null;
    out({ type: "subscription_error", channel, status, error: String(err?.error ?? err) });
    if (status === 401 || status === 403) return;
    const delay = Math.min(10000, 250 * 2 ** failures);
    failures += 1;
    setTimeout(() => { if (!ch.subscribed) pusher.subscribe(channel); }, delay);
  });
  ch.bind("pusher:member_added", (m) => out({ type: "member_added", channel, user_id: m.id, info: m.info }));
  ch.bind("pusher:member_removed", (m) => out({ type: "member_removed", channel, user_id: m.id }));
  ch.bind_global((event, data, metadata) => {
    if (event.startsWith("pusher:")) return;
    out({ type: "event", channel, event, data, user_id: metadata?.user_id ?? null });
    if (config.replay && config.replay.channel === channel && event === "entity.changed" &&
        data && data.type === config.replay.entityType) {
      apply(data.offset, "live");
    }
  });
}

for (const channel of config.channels || []) watch(channel);

const rl = readline.createInterface({ input: process.stdin });
rl.on("line", (line) => {
  let cmd;
  try {
    cmd = JSON.parse(line);
  } catch {
    out({ type: "bad_command", line });
    return;
  }
  switch (cmd.cmd) {
    case "subscribe": watch(cmd.channel); break;
    case "unsubscribe": pusher.unsubscribe(cmd.channel); break;
    case "trigger": {
      const ok = pusher.channel(cmd.channel)?.trigger(cmd.event, cmd.data ?? {});
      out({ type: "triggered", channel: cmd.channel, event: cmd.event, ok: Boolean(ok) });
      break;
    }
    case "disconnect": pusher.disconnect(); break;
    case "connect": pusher.connect(); break;
    case "exit": pusher.disconnect(); setTimeout(() => process.exit(0), 50); break;
    default: out({ type: "bad_command", line });
  }
});
rl.on("close", () => { pusher.disconnect(); setTimeout(() => process.exit(0), 50); });
out({ type: "started", key: config.key });
