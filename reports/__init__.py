"""Figures that join the desk's requests and the scheduler's appointments (statistics and
their CSV export). Sits above both so that ``desk/`` never sees appointments.
"""
