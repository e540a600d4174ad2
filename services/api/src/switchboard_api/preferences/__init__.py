"""Each employee's interface preferences (language, colour theme): stored per user, read at
sign-in on any browser, changed with If-Match, and pushed to the employee's other tabs."""
