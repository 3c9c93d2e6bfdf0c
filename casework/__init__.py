"""Casework: the requests the coordination desk registers and follows — applicants (personal
data encrypted at rest), requests and their tracking numbers, status history, referrals, the
SMS outbox, the applicant's status lookup, retention. Named apart from the desk (the staff's
web app, its Socket.IO namespace and the terminal role), which uses it."""
