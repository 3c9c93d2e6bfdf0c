"""Socket.IO signalling: the server, one guarded namespace per kind of client (`/booth`,
`/office`, `/desk`), the event rules and schemas, and the room broadcaster."""
