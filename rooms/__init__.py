"""The audience room: state machine, admission policy, join tokens, timers, audit events."""
