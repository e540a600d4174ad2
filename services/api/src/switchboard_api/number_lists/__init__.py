"""Number lists (blocked, VIP, custom) and their E.164 entries."""
