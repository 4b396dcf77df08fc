"""How the PSP sends the browser back to the merchant: v4.1 GET with Token and RefNum, or v3.3 POST with the
full field set (payments.md §2.3), optionally tampered with as a forger would."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from payments.simulator.models import Scenario, Terminal, Transaction

# SEP's State text for each status number (v3.3 p.13).
STATE_NAMES = {1: "CanceledByUser", 2: "OK", 3: "Failed", 4: "SessionIsNull"}
Tamper = Scenario.Tamper


@dataclass(frozen=True)
class Callback:
    method: str  # "GET": follow `url`; "POST": submit `fields` to `url`
    url: str
    fields: tuple[tuple[str, str], ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {"method": self.method, "url": self.url, "fields": dict(self.fields)}


def callback_for(txn: Transaction, *, ref_num: str | None = None, tamper: str = Tamper.NONE) -> Callback:
    """The return to `txn`'s RedirectUrl. `ref_num` replaces the real one (a replayed receipt)."""
    ref_num = (txn.ref_num or "") if ref_num is None else ref_num
    if txn.terminal.callback_style == Terminal.CallbackStyle.V41:
        return Callback("GET", _with_query(txn.redirect_url, {"Token": txn.token, "RefNum": ref_num}))
    return Callback("POST", txn.redirect_url, tuple(_v33_fields(txn, ref_num, tamper).items()))


def _with_query(url: str, extra: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), *extra.items()])
    return urlunsplit(parts._replace(query=query))


def _v33_fields(txn: Transaction, ref_num: str, tamper: str) -> dict[str, str]:
    paid = bool(ref_num)
    fields = {
        "MID": txn.terminal.terminal_id,
        "TerminalId": txn.terminal.terminal_id,
        "State": STATE_NAMES.get(txn.sep_status or 0, ""),
        "Status": str(txn.sep_status or ""),
        "Rrn": txn.rrn if paid else "",
        "RefNum": ref_num,
        "ResNum": txn.res_num,
        "TraceNo": txn.trace_no if paid else "",
        "Amount": str(txn.amount),
        "Wage": "0",
        "AffectiveAmount": str(txn.held_rial) if paid else "0",
        "SecurePan": txn.masked_pan,
        "HashedCardNumber": txn.hashed_pan,
        "Token": txn.token,
    }
    if tamper == Tamper.AMOUNT:
        fields["Amount"] = str(txn.amount // 10)  # the classic rial/toman slip, as a forger would send it
    elif tamper == Tamper.RES_NUM:
        fields["ResNum"] = _another_res_num(txn)
    elif tamper == Tamper.STATE:
        fields.update(State="OK", Status="2")
    return fields


def _another_res_num(txn: Transaction) -> str:
    other = Transaction.objects.filter(terminal=txn.terminal).exclude(pk=txn.pk).first()
    return other.res_num if other is not None else f"{txn.res_num}0"
