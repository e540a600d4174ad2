"""Contracts shared by the Switchboard services."""
