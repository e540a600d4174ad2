"""The background worker process: SAQ jobs on Redis, the event sequencer and the relay."""
