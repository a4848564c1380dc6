"""Sign-in throttling that slows guessing without locking the right person out.

Only failed sign-ins count, in three windows (sizes in the config):

- per account *and* address (`LOGIN_PAIR_LIMIT`, e.g. 10 per 15 minutes):
  past it, that address may not try that account again until the window
  ends — a short block that touches nobody else;
- per account (`LOGIN_ACCOUNT_LIMIT`): an account that many addresses are
  guessing at is "under attack"; then an address that has already failed on
  it is blocked at once, while an address with no failure — the owner's, say —
  is still heard, so the right password is never refused by this limit;
- per address (`LOGIN_ADDRESS_LIMIT`, large: a whole office may share one
  address): past it, that address is refused until the window ends.

The address is `request.remote_addr`, i.e. what `PORTFOLIO_PROXY_COUNT`
trusted proxies say it is. Counters live in the rate limiter's storage
(Redis in production), so every worker sees the same counts. If that storage
fails, sign-in stays open (fail open) and a warning is logged.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from flask import current_app
from limits import RateLimitItem, parse

from portfolio.extensions import limiter

log = logging.getLogger("portfolio.auth")


@dataclass(frozen=True)
class Refusal:
    """Why an attempt is not even checked, and for how long."""

    reason: str
    retry_after: int  # seconds

    @property
    def message(self) -> str:
        minutes = max(1, -(-self.retry_after // 60))
        return (
            "Too many failed sign-ins from here or for this account. "
            f"Try again in {minutes} minute{'s' if minutes != 1 else ''}."
        )


def _limit(name: str) -> RateLimitItem:
    return parse(current_app.config[name])


def _keys(email: str, address: str) -> dict[str, tuple[RateLimitItem, tuple[str, ...]]]:
    return {
        "pair": (_limit("LOGIN_PAIR_LIMIT"), ("login-pair", email, address)),
        "account": (_limit("LOGIN_ACCOUNT_LIMIT"), ("login-account", email)),
        "address": (_limit("LOGIN_ADDRESS_LIMIT"), ("login-address", address)),
    }


def _now_and_reset(item: RateLimitItem, identifiers: tuple[str, ...]) -> tuple[int, int]:
    """(failures so far in the window, seconds until it ends)."""
    stats = limiter.limiter.get_window_stats(item, *identifiers)
    used = item.amount - stats.remaining
    return used, max(1, int(stats.reset_time - time.time()))


def refusal(email: str, address: str) -> Refusal | None:
    """A reason to refuse this attempt before checking any password, or None."""
    try:
        keys = _keys(email, address)
        address_item, address_ids = keys["address"]
        used, reset = _now_and_reset(address_item, address_ids)
        if used >= address_item.amount:
            return Refusal("address", reset)
        pair_item, pair_ids = keys["pair"]
        pair_used, pair_reset = _now_and_reset(pair_item, pair_ids)
        if pair_used >= pair_item.amount:
            return Refusal("pair", pair_reset)
        account_item, account_ids = keys["account"]
        account_used, _ = _now_and_reset(account_item, account_ids)
        if account_used >= account_item.amount and pair_used > 0:
            return Refusal("account under attack", pair_reset)
    except Exception as error:  # the limiter's storage is down: fail open
        log.warning("login throttle unavailable, not throttling: %s", error)
    return None


def record_failure(email: str, address: str) -> None:
    """Count a failed sign-in; log when it starts a block."""
    try:
        for name, (item, identifiers) in _keys(email, address).items():
            limiter.limiter.hit(item, *identifiers)
            used, reset = _now_and_reset(item, identifiers)
            if used == item.amount:
                log.warning(
                    "login throttle: %s limit reached (email=%s address=%s, %d failures,"
                    " %d s left)",
                    name,
                    email,
                    address,
                    used,
                    reset,
                )
    except Exception as error:
        log.warning("login throttle unavailable, failure not counted: %s", error)
