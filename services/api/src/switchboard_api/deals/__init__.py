"""Deals: opportunities moving new -> qualified -> proposal -> won | lost."""
