"""When to try a failed delivery again, and when to give up.

Source: the HTTP contract, "Subscriptions (webhooks)": exponential backoff with jitter from
``TR_WEBHOOK_RETRY_BASE_SECONDS`` (10) up to ``TR_WEBHOOK_RETRY_CEILING_SECONDS`` (3600), until
``TR_WEBHOOK_DEADLINE_HOURS`` (24) after the event's creation, then ``failed``. Standard
Webhooks 1.0.0, "Delivery success and failure": honour ``Retry-After``.

Jitter is "equal jitter" (half the nominal delay fixed, half random; Brooker, "Exponential
Backoff And Jitter", AWS Architecture Blog, 2015), not "full jitter": after an outage many
events to one receiver fail together and the random half spreads their retries, while the
fixed half keeps every wait at least half the nominal one, so a receiver that just failed is
never retried at once (full jitter may draw a wait of ~0) and the schedule still reaches the
deadline in a predictable number of attempts.
"""

import random
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

DEFAULT_BASE = timedelta(seconds=10)
DEFAULT_CEILING = timedelta(seconds=3600)
DEFAULT_DEADLINE = timedelta(hours=24)
_MAX_EXPONENT = 62  # 2**62 periods exceed any ceiling; a larger power only risks overflow
_RNG = random.Random()


def nominal_delay(attempt_number: int, base: timedelta, ceiling: timedelta) -> timedelta:
    """``min(ceiling, base * 2**(n - 1))`` after the n-th failed attempt (n >= 1)."""
    if attempt_number < 1:
        raise ValueError("attempt numbers start at 1")
    exponent = min(attempt_number - 1, _MAX_EXPONENT)
    # In float seconds: a timedelta overflows long before 2**62 periods.
    seconds = base.total_seconds() * 2.0**exponent
    return timedelta(seconds=min(seconds, ceiling.total_seconds()))


def next_attempt_at(
    attempt_number: int,
    *,
    created_at: datetime,
    now: datetime,
    base: timedelta = DEFAULT_BASE,
    ceiling: timedelta = DEFAULT_CEILING,
    deadline: timedelta = DEFAULT_DEADLINE,
    rng: random.Random = _RNG,
    retry_after: timedelta | None = None,
) -> datetime | None:
    """When to make attempt ``attempt_number + 1`` after attempt ``attempt_number`` failed at
    ``now``; None when the deadline (``created_at + deadline``) is reached: mark ``failed``.

    Wait: equal jitter over the nominal delay, ``d/2 + uniform(0, d/2)``; at least the
    receiver's ``Retry-After`` (capped at the ceiling). A wait that would end past the
    deadline is cut to end on it, so the last attempt is made at the deadline, never after.
    """
    if created_at.tzinfo is None or now.tzinfo is None:
        raise ValueError("created_at and now must carry an offset")
    give_up_at = created_at + deadline
    if now >= give_up_at:
        return None
    half = nominal_delay(attempt_number, base, ceiling) / 2
    wait = half + half * rng.random()
    if retry_after is not None:
        wait = max(wait, min(retry_after, ceiling))
    return min(now + wait, give_up_at)


def parse_retry_after(value: str | None, now: datetime) -> timedelta | None:
    """``Retry-After`` (RFC 9110 10.2.3: delay-seconds or an HTTP-date) as a wait from
    ``now``; None when absent, malformed or in the past."""
    if value is None:
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():
        # Beyond 9 digits (~31 years) the exact value no longer matters: the ceiling caps it.
        return timedelta(seconds=int(text) if len(text) <= 9 else 10**9)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # RFC 9110 dates are GMT
    wait = moment - now
    return wait if wait > timedelta(0) else None
