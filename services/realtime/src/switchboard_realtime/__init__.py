"""Switchboard realtime service: the Pusher Channels protocol v7 on the websockets library."""
