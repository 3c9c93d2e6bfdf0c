"""Reference data: the centres, request categories, departments and office terminals that
requests, referrals and sittings name. An administrator edits them (``reference.service``);
the desk and the scheduler check every code they store against them (``reference.checks``)."""
