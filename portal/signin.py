"""Local sign-in with failed attempts limited per username and per client address.

After `SIGNIN_FAILURES_PER_USERNAME` failed sign-ins for one username, or
`SIGNIN_FAILURES_PER_ADDRESS` from one client address (behind the TLS proxy, the one the proxy
names: `portal.proxies`), within `SIGNIN_FAILURE_WINDOW` seconds, the form refuses further
attempts (the right password included) until the window has moved on; a successful sign-in
clears the username's count. Counts live in the cache, shared by replicas; while it is down
nothing is counted and sign-ins are not refused (`workspaces.ratelimit`: fail open).

An attempt is counted before its password is checked (the hash takes a while), so attempts sent
at the same time cannot all pass the check; a success, or a form without a password, takes its
attempt back.

The admin's sign-in page (`/admin/login/`) uses the same counters
(`ThrottledAdminAuthenticationForm`): guesses there count against the username and address here,
and the other way round.
"""

import hashlib

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from portal.proxies import client_address
from workspaces.ratelimit import SlidingWindow

THROTTLED = (
    "Too many failed sign-ins for this account or from this address. Wait %(minutes)s minutes, "
    "then try again (or ask an administrator to reset your password)."
)


class ThrottledAuthenticationForm(AuthenticationForm):
    error_messages = {**AuthenticationForm.error_messages, "throttled": THROTTLED}

    def _windows(self) -> list[tuple[SlidingWindow, int]]:
        window = settings.SIGNIN_FAILURE_WINDOW
        username = str(self.cleaned_data.get("username") or "").lower()[:150]
        address = client_address(self.request) if self.request else ""
        # The typed username may hold spaces or control characters no cache key should carry:
        # its digest names the counter instead.
        user_key = hashlib.sha256(username.encode("utf-8", "surrogatepass")).hexdigest()
        return [
            (
                SlidingWindow(f"signin:user:{user_key}", window),
                settings.SIGNIN_FAILURES_PER_USERNAME,
            ),
            (SlidingWindow(f"signin:addr:{address}", window), settings.SIGNIN_FAILURES_PER_ADDRESS),
        ]

    def clean(self):
        windows = self._windows()
        receipts = []
        for counter, limit in windows:
            receipt = counter.take(limit)
            if receipt is None:
                for (taken, _limit), taken_receipt in zip(windows, receipts, strict=False):
                    taken.give_back(taken_receipt)
                raise ValidationError(
                    self.error_messages["throttled"],
                    code="throttled",
                    params={"minutes": max(1, round(settings.SIGNIN_FAILURE_WINDOW / 60))},
                )
            receipts.append(receipt)
        cleaned = super().clean()  # a failed sign-in raises: its attempts stay counted
        # Signed in (the username's count starts again), or no password to check: no failure.
        if self.user_cache is not None:
            windows[0][0].clear()
        else:
            windows[0][0].give_back(receipts[0])
        windows[1][0].give_back(receipts[1])
        return cleaned


class ThrottledAdminAuthenticationForm(ThrottledAuthenticationForm, AdminAuthenticationForm):
    """The admin's sign-in form (staff only) behind the same throttle and counters. A non-staff
    user's right password is a failed admin sign-in, and counts as one."""

    error_messages = {**AdminAuthenticationForm.error_messages, "throttled": THROTTLED}
