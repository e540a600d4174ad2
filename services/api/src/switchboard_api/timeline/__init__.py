"""The activity timeline: a contact's or deal's calls, notes, tasks and changes, merged."""
