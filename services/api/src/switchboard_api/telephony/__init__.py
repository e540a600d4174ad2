"""Telephony: the cloud PBX adapter (behind a provider interface), its webhooks, the fold of
provider events into ``calls``, recording ingest, click-to-call and PBX synchronization."""
