"""ORM models and the declarative base; every table of the API is declared under here."""
