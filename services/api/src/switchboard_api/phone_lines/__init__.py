"""Phone lines: the company's numbers, reference data kept in step with the PBX."""
