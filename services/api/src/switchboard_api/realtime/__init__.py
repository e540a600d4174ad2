"""The API side of realtime: channel subscription auth and the publisher client."""
