"""Who the caller is (sessions, API tokens) and what they may do (the permission matrix)."""
