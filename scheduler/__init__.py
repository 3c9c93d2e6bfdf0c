"""Sittings, slots and appointments, and the clock loop that opens and closes rooms."""
