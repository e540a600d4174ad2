"""Calls: every phone call, from the PBX's webhooks or logged by hand, with its recording."""
