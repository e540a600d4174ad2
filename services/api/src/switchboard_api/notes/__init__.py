"""Notes: text an employee writes about a record."""
