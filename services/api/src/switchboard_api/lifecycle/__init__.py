"""The one generic record lifecycle (list, trash, create, get, update, restore, purge,
history) that serves every entity type registered in :mod:`switchboard_api.entities`."""
