"""The retry schedule: exponential backoff, equal jitter, ceiling, deadline, Retry-After."""

import itertools
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from app.webhooks.retry import (
    DEFAULT_CEILING,
    DEFAULT_DEADLINE,
    next_attempt_at,
    nominal_delay,
    parse_retry_after,
)

CREATED = datetime(2024, 6, 1, 8, 0, tzinfo=UTC)
BASE, CEILING = timedelta(seconds=10), timedelta(seconds=3600)


def seconds(n: int) -> float:
    return nominal_delay(n, BASE, CEILING).total_seconds()


def test_nominal_delay_doubles_from_the_base_up_to_the_ceiling() -> None:
    assert [seconds(n) for n in range(1, 11)] == [
        10 * 2 ** (n - 1) if 10 * 2 ** (n - 1) < 3600 else 3600 for n in range(1, 11)
    ]
    assert seconds(9) == 2560
    assert seconds(10) == 3600
    assert seconds(10_000) == 3600  # no overflow however long the retries went on


def test_attempt_numbers_start_at_one() -> None:
    with pytest.raises(ValueError, match="start at 1"):
        nominal_delay(0, BASE, CEILING)


@pytest.mark.parametrize("seed", [0, 1, 42, 2024])
def test_each_wait_is_equal_jitter_over_the_nominal_delay(seed: int) -> None:
    rng, twin = random.Random(seed), random.Random(seed)
    for n in range(1, 16):
        now = CREATED + timedelta(seconds=n)
        at = next_attempt_at(n, created_at=CREATED, now=now, rng=rng)
        assert at is not None
        wait = (at - now).total_seconds()
        d = seconds(n)
        assert d / 2 <= wait <= d
        assert wait == pytest.approx(d / 2 + d / 2 * twin.random())


def test_same_seed_same_schedule_and_the_draws_spread() -> None:
    def schedule(seed: int) -> list[datetime | None]:
        rng = random.Random(seed)
        return [next_attempt_at(5, created_at=CREATED, now=CREATED, rng=rng) for _ in range(20)]

    assert schedule(7) == schedule(7)
    assert len(set(schedule(7))) == 20  # jitter: twenty events failing together spread out


def full_schedule(seed: int) -> list[datetime]:
    """Attempt times of an event whose every attempt fails instantly."""
    rng = random.Random(seed)
    times, now, n = [CREATED], CREATED, 1
    while (after := next_attempt_at(n, created_at=CREATED, now=now, rng=rng)) is not None:
        times.append(after)
        now, n = after, n + 1
    return times


@pytest.mark.parametrize("seed", [3, 11, 99])
def test_retries_stop_at_the_deadline_counted_from_creation(seed: int) -> None:
    times = full_schedule(seed)
    deadline = CREATED + DEFAULT_DEADLINE
    assert times[-1] == deadline  # the last attempt is made on the deadline, never after
    gaps = [(later - earlier).total_seconds() for earlier, later in itertools.pairwise(times)]
    assert all(0 < gap <= DEFAULT_CEILING.total_seconds() for gap in gaps)
    # Every wait but the one cut by the deadline is at least half its nominal delay.
    assert all(gap >= seconds(n) / 2 for n, gap in enumerate(gaps[:-1], start=1))
    # 9 doubling steps reach the ceiling; 24 h then hold between 24 and 48 waits of 30-60 min.
    assert 9 + 23 <= len(times) <= 9 + 48


def test_no_attempt_at_or_after_the_deadline() -> None:
    deadline = CREATED + DEFAULT_DEADLINE
    for now in (deadline, deadline + timedelta(seconds=1), deadline + timedelta(days=3)):
        assert next_attempt_at(1, created_at=CREATED, now=now) is None


def test_a_wait_crossing_the_deadline_is_cut_to_end_on_it() -> None:
    now = CREATED + DEFAULT_DEADLINE - timedelta(seconds=30)
    at = next_attempt_at(12, created_at=CREATED, now=now, rng=random.Random(1))
    assert at == CREATED + DEFAULT_DEADLINE


def test_custom_settings_are_used() -> None:
    rng = random.Random(5)
    at = next_attempt_at(
        3,
        created_at=CREATED,
        now=CREATED,
        base=timedelta(seconds=1),
        ceiling=timedelta(seconds=3),
        deadline=timedelta(seconds=100),
        rng=rng,
    )
    assert at is not None
    assert timedelta(seconds=1.5) <= at - CREATED <= timedelta(seconds=3)


def test_retry_after_lengthens_the_wait_but_not_past_ceiling_or_deadline() -> None:
    rng = random.Random(0)
    asked = next_attempt_at(
        1, created_at=CREATED, now=CREATED, rng=rng, retry_after=timedelta(minutes=2)
    )
    assert asked == CREATED + timedelta(minutes=2)
    greedy = next_attempt_at(
        1, created_at=CREATED, now=CREATED, rng=rng, retry_after=timedelta(days=2)
    )
    assert greedy == CREATED + DEFAULT_CEILING
    late = CREATED + DEFAULT_DEADLINE - timedelta(minutes=1)
    near_end = next_attempt_at(
        1, created_at=CREATED, now=late, rng=rng, retry_after=timedelta(minutes=30)
    )
    assert near_end == CREATED + DEFAULT_DEADLINE


def test_a_short_retry_after_does_not_shorten_the_backoff() -> None:
    at = next_attempt_at(
        8, created_at=CREATED, now=CREATED, rng=random.Random(2), retry_after=timedelta(seconds=1)
    )
    assert at is not None
    assert at - CREATED >= timedelta(seconds=seconds(8) / 2)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="offset"):
        next_attempt_at(1, created_at=CREATED.replace(tzinfo=None), now=CREATED)


def test_retry_after_header_forms() -> None:
    now = datetime(2024, 6, 1, 8, 0, tzinfo=UTC)
    assert parse_retry_after("120", now) == timedelta(seconds=120)
    assert parse_retry_after(" 5 ", now) == timedelta(seconds=5)
    assert parse_retry_after("99999999999999", now) == timedelta(seconds=10**9)
    later = format_datetime(now + timedelta(minutes=3), usegmt=True)
    assert parse_retry_after(later, now) == timedelta(minutes=3)
    earlier = format_datetime(now - timedelta(minutes=3), usegmt=True)
    assert parse_retry_after(earlier, now) is None
    for junk in (None, "", "soon", "-5", "1.5", "٣"):
        assert parse_retry_after(junk, now) is None
