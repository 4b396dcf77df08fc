"""How the PSP sends the browser back to the merchant: SEP's v4.1 GET with Token and RefNum or v3.3 POST with
the full field set (payments.md §2.3); Mellat's POST of RefId, ResCode, SaleOrderId, SaleReferenceId (§3,
table 10). Optionally tampered with as a forger would."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from payments.simulator import services
from payments.simulator.models import Scenario, Terminal, Transaction

# The payer's outcome on the card page as Mellat's callback ResCode (table 11), by the simulator's reason.
RES_CODES = {
    services.CANCELED_BY_USER: 17,
    services.INSUFFICIENT_FUNDS: 12,
    services.CARD_LOCKED_NOW: 14,
    services.CARD_LOCKED: 14,
    services.CARD_EXPIRED: 18,
    services.DAILY_LIMIT: 19,
    services.ISSUER_UNAVAILABLE: 113,
    services.SESSION_EXPIRED: 415,
}


def res_code(txn: Transaction) -> int:
    """What the callback says the payer did: 0 paid, else the reason's code (34, system error, if unmapped)."""
    if txn.ref_num:
        return 0
    return RES_CODES.get(txn.failure_reason, 34)


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
    if txn.terminal.psp == Terminal.Psp.MELLAT:
        return Callback("POST", txn.redirect_url, tuple(_mellat_fields(txn, ref_num, tamper).items()))
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


def _mellat_fields(txn: Transaction, ref_num: str, tamper: str) -> dict[str, str]:
    paid = bool(ref_num)
    fields = {
        "RefId": txn.token,
        "ResCode": "0" if paid else str(res_code(txn)),  # a replayed reference comes with a success code
        "SaleOrderId": txn.res_num,
        "SaleReferenceId": ref_num,
        "CardHolderPan": txn.masked_pan if paid else "",
        "FinalAmount": str(txn.held_rial) if paid else "",
    }
    if tamper == Tamper.AMOUNT:
        fields["FinalAmount"] = str(txn.amount // 10)
    elif tamper == Tamper.RES_NUM:
        fields["SaleOrderId"] = _another_res_num(txn)
    elif tamper == Tamper.STATE:
        fields["ResCode"] = "0"
    return fields


def _another_res_num(txn: Transaction) -> str:
    other = Transaction.objects.filter(terminal=txn.terminal).exclude(pk=txn.pk).first()
    return other.res_num if other is not None else f"{txn.res_num}0"
