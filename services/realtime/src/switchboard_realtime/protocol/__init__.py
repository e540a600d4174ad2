"""The Pusher protocol v7 without I/O: frames, channel rules, subscriptions, HTTP API bodies."""
