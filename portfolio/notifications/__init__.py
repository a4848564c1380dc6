"""Closing the loop: colleagues hear what happened to what they asked for.

- `audience`: who hears what (one table), watches and mentions; an
  in-transaction subscriber of `portfolio.events` that writes notifications
  and outbox rows with the event.
- `outbox`: enqueueing mail and webhook deliveries (rows, same transaction).
- `worker`: `flask deliver` sends the outbox with retries; `digests`:
  `flask send-digests`.
"""
