"""The calendar feed: contract renewals and notice deadlines, and when shipped
work is due to be checked, for any calendar app to subscribe to."""
