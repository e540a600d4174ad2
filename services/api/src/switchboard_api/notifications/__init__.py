"""Notifications: what each employee is told, stored per user and delivered live."""
