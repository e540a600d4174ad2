"""Users as records: employee accounts managed through the generic lifecycle (admins only)."""
