"""A Mango Office VPBX API simulator for Switchboard development and tests."""
