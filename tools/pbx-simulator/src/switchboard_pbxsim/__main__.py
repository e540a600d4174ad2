"""``python -m switchboard_pbxsim`` starts the simulator."""

from switchboard_pbxsim.server import main

main()
