"""``python -m switchboard_realtime`` starts one node."""

from switchboard_realtime.server import main

main()
