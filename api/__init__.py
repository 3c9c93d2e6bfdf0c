"""The HTTP JSON API of the desk and office UIs: the service edge on top of desk/, scheduler/
and rooms/ (see docs/API.md)."""
