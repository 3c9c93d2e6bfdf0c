"""The append-only, hash-chained audit log of sensitive actions, and its verification."""
