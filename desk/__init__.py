"""The coordination desk: applicants, requests, tracking numbers, referrals, SMS, statistics."""
