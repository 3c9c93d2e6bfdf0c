"""The applicant's discreet safeguarding alert (issue 16): raised at the booth, withdrawn by
her within a few seconds if pressed by mistake, seen, acknowledged and handled by the
coordinators on duty for that booth's centre only."""
