"""Contacts: people and companies, with typed phones found by any way of writing them."""
