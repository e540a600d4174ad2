"""Search across every type from one box: contacts, deals, tasks, notes, calls, employees."""
