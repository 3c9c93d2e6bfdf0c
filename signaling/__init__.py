"""Socket.IO signalling: per-role namespaces, authentication on connect, event schemas."""
