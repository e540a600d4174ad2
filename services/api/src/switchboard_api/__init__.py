"""Switchboard REST API and background worker."""
