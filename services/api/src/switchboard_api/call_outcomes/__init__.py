"""Call outcomes: the list admins edit that an employee picks from when wrapping up a call."""
