"""A workspace's monthly budget: as typed in the wizard, and as Harness holds it.

Harness holds a budget as a 32-bit float (harness-go-sdk `Budget float32` in
`iacm_model_create_workspace_request_body.go` and `iacm_model_show_workspace_response_body.go`;
the API reference, `budget number(float)`), about 7 significant digits: 1234567.89 is held as
1234567.875, and sent back as Go writes a float32, 1234567.9 (the reference's example budget
is 0.7937008). So a typed budget is taken only when Harness holds it as typed (every two-decimal
budget under 131,072 is; above, not every cent), and budgets are compared as float32s: a PUT
that landed holds the budget it sent whichever way Harness writes it back. No Django, no HTTP.
"""

from __future__ import annotations

import struct
from decimal import Decimal, InvalidOperation
from typing import Any

# A monthly budget in USD: finite, not negative, at most this, with at most two decimals.
MAX_BUDGET = Decimal("10000000")


def _float32(number: float) -> float:
    """`number` rounded to the nearest float32; as it is when beyond a float32's range (Harness
    holds none such: only compared, never sent)."""
    try:
        return struct.unpack("<f", struct.pack("<f", number))[0]
    except OverflowError:
        return number


def as_held(budget: float) -> float:
    """`budget` as Harness holds and sends it back: its float32, with the fewest digits that
    read back as that float32 (Go's encoding/json), e.g. 1234567.89 -> 1234567.9."""
    single = _float32(budget)
    for digits in range(1, 10):
        shortest = float(f"{single:.{digits}g}")
        if _float32(shortest) == single:
            return shortest
    return single


def same_budget(first: float | None, second: float | None) -> bool:
    """Whether two budgets are one to Harness (the same float32); None is no budget."""
    if first is None or second is None:
        return first is second
    return _float32(first) == _float32(second)


def budget_problem(text: str) -> str:
    """Why `text` cannot be a monthly budget, or "" when it can (or is empty)."""
    if not text:
        return ""
    try:
        budget = Decimal(text) if len(text) <= 64 else None
    except InvalidOperation:
        budget = None
    if budget is None or not budget.is_finite():
        return "Enter the budget as a number, e.g. 500 or 1250.50."
    if budget < 0:
        return "A budget cannot be negative."
    if budget > MAX_BUDGET:
        return f"Use a budget of at most {MAX_BUDGET:,} USD."
    if budget.as_tuple().exponent < -2:
        return "Use at most two decimals (cents)."
    held = as_held(float(budget))
    if Decimal(repr(held)) != budget:
        # Sent as typed, the review would promise cents Harness does not keep.
        return (
            f"Harness keeps about 7 significant digits of a budget: it would hold {text} as "
            f"{budget_text(held)}. Enter {budget_text(held)}, or a whole number of dollars."
        )
    return ""


def budget_number(value: Any) -> float | None:
    """The budget typed as a number, or None when empty or not a valid budget (see
    `budget_problem`: never NaN or infinite, which JSON and Harness cannot carry)."""
    text = str(value or "").strip()
    if not text or budget_problem(text):
        return None
    return float(text)


def budget_text(budget: float) -> str:
    """A budget Harness holds as the field shows it: every digit, never an exponent
    (1234567.9 -> "1234567.9", 750.0 -> "750"), so an untouched budget is sent unchanged."""
    text = format(Decimal(repr(float(budget))), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def budget_shown(budget: float) -> str:
    """A budget in dollars and cents as Harness holds it (`as_held`): "$1,234,567.90"."""
    return f"${as_held(budget):,.2f}"


def shows_budget(typed: Any, budget: float | None) -> bool:
    """Whether the budget field (`typed`) still shows `budget`, one Harness holds (None: none):
    as a change prefilled it (`budget_text`), or as the same budget to Harness (`same_budget`).
    Such a budget is kept as Harness holds it, even one `budget_problem` would refuse if typed."""
    text = str(typed or "").strip()
    if budget is None:
        return not text
    return text == budget_text(budget) or same_budget(budget_number(text), budget)
