"""Tasks: things to do, assigned to employees, about a contact, deal or call."""
