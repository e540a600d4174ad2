"""Telephony: the cloud PBX behind a provider interface, and what Switchboard does with it.

- ``provider_interface`` / ``provider_registry`` / ``mango``: the provider interface
  (members, lines, recording links, click-to-call, black/white lists) and the Mango Office
  adapter (signed form posts over httpx). Errors are ``ProviderUnavailable`` (retry) or ``ProviderRefused``.
- ``mango_webhooks``: ``/api/v1/telephony/mango/...``; the signature is the authentication.
  Each webhook is stored once (``telephony_events``, keyed by leg+seq, recording+seq,
  entry, command) and its call is recomputed by ``mango_fold`` from *all* stored events, so
  the record converges whatever the order and however often events repeat.
- ``call_folding``: writes the fold into the ``calls`` record (through the one record
  writer, ``lifecycle.writer``), matches contact and employee, publishes the
  incoming-call popup after commit (``notify``), creates call-back tasks, and schedules the
  recording ingest.
- ``recordings``: the ingest job (one-time link -> streamed to S3 -> ffprobe -> call) and
  playback links; ``fetch`` and ``storage`` are its guarded download and streamed upload.
- ``dial``: click-to-call. ``pbx_sync`` / ``worker_jobs`` / ``pbx_sync_hooks``: members,
  lines and lists kept in step with the PBX by worker jobs (enqueued by the change hooks of
  users and number lists once their write commits, plus a periodic reconciliation).
"""
