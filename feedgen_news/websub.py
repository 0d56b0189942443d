"""WebSub publish pings: tell a hub which feeds changed, within a time budget, never raising."""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import Message
from urllib.parse import urlencode, urlsplit

from .errors import printable

USER_AGENT = "feedgen-news WebSub publisher"
_FIRST_BACKOFF = 0.5  # seconds before the first retry; doubles each retry
_BUDGET_USED = "not sent: the ping time budget was used up"


@dataclass(frozen=True)
class PingResult:
    """What happened to one feed's ping: ``detail`` is one line, fit for a log or the console."""

    feed_url: str
    ok: bool
    detail: str


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Report a redirect instead of following it: urllib would turn the POST into a bodiless GET."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: object,
        code: int,
        msg: str,
        headers: Message,
        newurl: str,
    ) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects())


class _Retryable(Exception):
    """A failure worth another attempt (5xx, 429, timeout, connection trouble)."""


def _post(hub: str, feed_url: str, timeout: float) -> str:
    """One publish request. Returns the success detail; raises _Retryable or ValueError."""
    body = urlencode({"hub.mode": "publish", "hub.url": feed_url}).encode("ascii")
    # S310: ping() only lets http(s) hub URLs through.
    request = urllib.request.Request(  # noqa: S310
        hub,
        data=body,
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "User-Agent": USER_AGENT},
    )
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            status = int(response.status)
            response.read(64 * 1024)  # drain a little so the connection closes cleanly
    except urllib.error.HTTPError as exc:
        exc.close()
        answer = f"hub answered {exc.code} {_one_line(exc.reason)}".rstrip()
        if exc.code >= 500 or exc.code == 429:
            raise _Retryable(answer) from None
        if 300 <= exc.code < 400:
            where = exc.headers.get("Location", "")
            hint = f"(redirect to {_one_line(where)}; set hub to that URL)"
            raise ValueError(f"{answer} {hint}") from None
        raise ValueError(answer) from None
    except TimeoutError:
        raise _Retryable(f"hub did not answer within {timeout:.1f}s") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise _Retryable(f"hub did not answer within {timeout:.1f}s") from None
        raise _Retryable(f"could not reach hub: {_one_line(str(exc.reason))}") from None
    except (OSError, http.client.HTTPException) as exc:  # reset mid-answer, garbled answer
        raise _Retryable(f"could not reach hub: {_one_line(repr(exc))}") from None
    except ValueError as exc:  # urllib refuses the hub URL itself
        raise ValueError(f"bad hub URL {hub!r}: {_one_line(str(exc))}") from None
    return f"hub answered {status}"


def ping(
    hub: str,
    feed_urls: Sequence[str],
    *,
    timeout: float = 5.0,
    retries: int = 2,
    budget: float = 15.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> list[PingResult]:
    """POST ``hub.mode=publish&hub.url=<feed>`` to ``hub`` once per feed, in order.

    Each request waits at most ``timeout`` seconds; a 5xx/429 answer, a timeout or a connection
    failure is retried up to ``retries`` times with doubling backoff. All pings together stay
    within ``budget`` seconds: feeds left when it runs out are reported as not sent. Once one
    feed's retries are used up the hub counts as down and the remaining feeds are not sent
    either, so a dead hub costs one feed's retries, not every feed's. Any 2xx answer is
    success. Never raises: every problem is a ``PingResult`` with ``ok=False``. ``clock`` and
    ``sleep`` exist so tests can drive time.
    """
    if urlsplit(hub).scheme not in ("http", "https"):
        detail = f"not sent: hub must be an http(s) URL, got {hub!r}"
        return [PingResult(url, False, detail) for url in feed_urls]
    deadline = clock() + budget
    results: list[PingResult] = []
    down: str | None = None
    for feed_url in feed_urls:
        if down is not None:
            results.append(PingResult(feed_url, False, down))
            continue
        result, hub_down = _ping_one(hub, feed_url, timeout, retries, deadline, clock, sleep)
        results.append(result)
        if hub_down:
            down = (
                _BUDGET_USED
                if clock() >= deadline
                else "not sent: the hub failed on an earlier feed"
            )
    return results


def _ping_one(
    hub: str,
    feed_url: str,
    timeout: float,
    retries: int,
    deadline: float,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
) -> tuple[PingResult, bool]:
    """One feed's ping with retries, and whether the hub looks down (retries used up)."""
    detail = _BUDGET_USED
    attempts = 0
    for attempt in range(max(retries, 0) + 1):
        if attempt:
            pause = _FIRST_BACKOFF * 2 ** (attempt - 1)
            if clock() + pause >= deadline:
                break
            sleep(pause)
        remaining = deadline - clock()
        if remaining <= 0:
            break
        attempts += 1
        try:
            answer = _post(hub, feed_url, min(timeout, remaining))
            return PingResult(feed_url, True, answer), False
        except _Retryable as exc:
            detail = str(exc)
        except ValueError as exc:  # a 4xx/3xx answer will not change on retry
            return PingResult(feed_url, False, str(exc)), False
        except Exception as exc:  # a ping must never fail the build, whatever goes wrong
            return PingResult(feed_url, False, f"ping failed: {_one_line(repr(exc))}"), False
    if attempts > 1:
        detail += f" (after {attempts} attempts)"
    elif attempts == 1 and retries > 0:
        detail += " (no time left to retry)"
    return PingResult(feed_url, False, detail), True


def summarize(hub: str, results: Sequence[PingResult]) -> str | None:
    """One line about failed pings for the build's report, or None when every ping succeeded."""
    failed = [r for r in results if not r.ok]
    if not failed:
        return None
    first = failed[0].detail
    count = f"{len(failed)} of {len(results)} feeds"
    return f"WebSub: hub {printable(hub)} was not notified for {count}: {first}"


def _one_line(text: str) -> str:
    """What a hub (or the network stack) said, as text for one line: whitespace runs become a
    space, anything else invisible an escape."""
    return printable(" ".join(str(text).split()))
