"""Helpers of the cross-service realtime tests (tests/test_realtime_e2e*.py) and the
end-to-end benchmark (bench/realtime_e2e.py): subprocesses, the pusher-js harness, signed-in
employees, and an isolated API + worker + realtime cluster on a scratch database."""
