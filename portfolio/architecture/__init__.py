"""Architecture, cost and risk (#18): dependencies and interfaces, business
capabilities, fit and TIME, lifecycle dates, total cost of ownership and
whether the catalogue is trustworthy (reviewed, complete)."""
