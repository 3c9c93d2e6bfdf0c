"""Staff accounts: sign-in with argon2id, throttling and lockout, sessions with idle and
absolute timeouts, CSRF tokens, sign-out everywhere."""
