"""The change-event log: history, realtime outbox and recovery feed."""
