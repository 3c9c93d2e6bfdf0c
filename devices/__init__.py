"""Devices of the centres and the office: enrollment, credentials, revocation, heartbeats,
alerts and the coordinators' day board."""
