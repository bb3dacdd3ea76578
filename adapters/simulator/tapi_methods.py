"""The TAPI v1 methods (field guide §2.2) with the reply shapes and JSON types of the
fixtures: IDR as JSON ints in trade replies and getInfo but strings in order rows and
cancelOrder, coin amounts as 8-decimal strings, times as unix seconds in strings, and the
quirks (`sold_btc` a bare 0 until something is sold, `orders` null when none are open)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from aiohttp import web

from adapters.simulator.accounts import Account, Deposit
from adapters.simulator.catalog import Market
from adapters.simulator.engine import Order, OrderNotFound, OrderRequest, Rejected
from adapters.simulator.formats import coin, json_reply, number, plain
from adapters.simulator.simulator import Simulator

Params = Mapping[str, str]
MAX_HISTORY_DAYS = 7


def success(payload: Any) -> web.Response:
    return json_reply({"success": 1, "return": payload})


def failure(text: str, code: str | None = "", status: int = 200, **extra: str) -> web.Response:
    """`code` None leaves `error_code` out, as some documented errors do."""
    body: dict[str, Any] = {"success": 0, "error": text, **extra}
    if code is not None:
        body["error_code"] = code
    return json_reply(body, status)


def _decimal(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _market(sim: Simulator, params: Params) -> Market:
    market = sim.catalog.by_ticker_id(params.get("pair", ""))
    if market is None:
        raise Rejected("Invalid pair", "invalid_pair")
    return market


def _quote_word(market: Market) -> str:
    """IDR is spelled `rp` in trade replies and getOrder (`spend_rp`, `order_rp`)."""
    return "rp" if market.quote == "idr" else market.quote


def _quote_number(market: Market, value: Decimal) -> int | str:
    """Trade replies and getInfo: IDR as a JSON int, other quote currencies as coin text."""
    return int(value) if market.quote == "idr" else coin(value)


def _quote_text(market: Market, value: Decimal) -> str:
    """Order rows and cancelOrder balances: IDR as a whole-number string."""
    return str(int(value)) if market.quote == "idr" else coin(value)


def get_info(sim: Simulator, account: Account, params: Params) -> web.Response:
    def balances(amounts: dict[str, Decimal]) -> dict[str, int | str]:
        return {
            code: int(amount) if code == "idr" else coin(amount) for code, amount in amounts.items()
        }

    coins = [asset for asset in sim.catalog.assets.values() if asset.address]
    return success(
        {
            "server_time": sim.now(),
            "balance": balances(account.balance),
            "balance_hold": balances(account.hold),
            "address": {asset.code: asset.address for asset in coins},
            "network": {asset.code: asset.network for asset in coins},
            "memo_is_required": {
                asset.code: dict.fromkeys(
                    asset.network if isinstance(asset.network, list) else [asset.network], False
                )
                for asset in coins
            },
            "user_id": account.user_id,
            "name": f"Simulated Trader {account.user_id}",
            "email": f"trader{account.user_id}@simulator.local",
            "profile_picture": None,
            "verification_status": "verified",
            "gauth_enable": True,
            "withdraw_status": int("withdraw" in account.permissions),
        }
    )


def trade(sim: Simulator, account: Account, params: Params) -> web.Response:
    market = _market(sim, params)
    side = params.get("type", "")
    if side not in ("buy", "sell"):
        raise Rejected("Invalid type", "")
    explicit_type = params.get("order_type")
    order_type = explicit_type or "limit"
    if order_type not in ("limit", "market"):
        raise Rejected("Invalid order type", "")
    time_in_force = params.get("time_in_force", "GTC").upper()
    if time_in_force not in ("GTC", "MOC"):
        raise Rejected("Invalid time_in_force", "")
    if not sim.trade_throttle.allow((account.key, market.id), sim.clock()):
        text = (
            f"Your User ID sent too many trade request for pair {market.pair.symbol}, "
            "please try again in 5 seconds"
        )
        return failure(text, "too_many_requests", 429, message=text)
    quote_amount = params.get(market.quote)
    if side == "buy" and quote_amount is not None and explicit_type == "limit":
        raise Rejected(f"Limit buy orders take the {market.base} amount, not {market.quote}", "")
    # Buys are sized in IDR for market orders and for the legacy call without order_type,
    # where a missing `idr` gives the observed "Minimum order" (ccxt #23618).
    by_quote = side == "buy" and (order_type == "market" or explicit_type is None)
    amount = _decimal(quote_amount if by_quote else params.get(market.base))
    order = sim.engine.place(
        account,
        OrderRequest(
            market=market,
            side=side,
            order_type=order_type,
            price=_decimal(params.get("price")),
            sizing="quote" if by_quote else "base",
            amount=amount if amount is not None else Decimal(0),
            client_order_id=params.get("client_order_id") or None,
            time_in_force=time_in_force,
        ),
    )
    return success(_trade_reply(order))


def _trade_reply(order: Order) -> dict[str, Any]:
    market, word = order.market, _quote_word(order.market)
    if order.side == "buy":
        return {
            f"receive_{market.base}": coin(order.received),
            f"spend_{word}": _quote_number(market, order.quote_done),
            "fee": _quote_number(market, order.fees),
            f"remain_{word}": _quote_number(market, order.held),
            "order_id": order.order_id,
            "client_order_id": order.client_order_id,
        }
    return {
        f"sold_{market.base}": coin(order.bought_or_sold) if order.bought_or_sold else 0,
        f"receive_{word}": _quote_number(market, order.received),
        "fee": _quote_number(market, order.fees),
        f"remain_{market.base}": coin(order.remaining),
        "order_id": order.order_id,
        "remain": coin(order.remaining),
        "client_order_id": order.client_order_id,
    }


def open_orders(sim: Simulator, account: Account, params: Params) -> web.Response:
    if params.get("pair"):
        market = _market(sim, params)
        rows = [_open_row(order) for order in sim.engine.open_orders(account.key, market.id)]
        return success({"orders": rows or None})
    grouped: dict[str, list[dict[str, str]]] = {}
    for order in sim.engine.open_orders(account.key):
        grouped.setdefault(order.market.pair.ticker_id, []).append(_open_row(order))
    return success({"orders": grouped or None})


def _open_row(order: Order) -> dict[str, str]:
    """IDR-sized buy rows carry `order_idr`/`remain_idr` and the `.00000000` spelling of
    the fixture; coin-sized rows carry `order_<coin>`/`remain_<coin>`."""
    row = {
        "order_id": str(order.order_id),
        "client_order_id": order.client_order_id,
        "submit_time": str(order.submit_ms // 1000),
        "price": plain(order.shown_price),
        "type": order.side,
        "order_type": order.order_type,
    }
    if order.sizing == "quote":
        row["price"] = coin(order.shown_price)
        currency = order.market.quote
    else:
        currency = order.market.base
    row[f"order_{currency}"] = coin(order.amount)
    row[f"remain_{currency}"] = coin(order.remaining)
    return row


def get_order(sim: Simulator, account: Account, params: Params) -> web.Response:
    market = _market(sim, params)
    order = sim.engine.find(account.key, params.get("order_id", ""))
    if order.market != market:
        raise OrderNotFound
    return success({"order": _order_row(order)})


def get_order_by_client_order_id(sim: Simulator, account: Account, params: Params) -> web.Response:
    order = sim.engine.find_by_client_id(account.key, params.get("client_order_id", ""))
    return success({"order": _order_row(order)})


def _order_row(order: Order) -> dict[str, str]:
    """The executed coins of a buy appear only in `receive_<coin>` (ccxt #26413)."""
    market = order.market
    if order.sizing == "quote":
        sized_as = _quote_word(market)
        ordered, left = _quote_text(market, order.amount), _quote_text(market, order.remaining)
    else:
        sized_as, ordered, left = market.base, coin(order.amount), coin(order.remaining)
    if order.side == "buy":
        receive_key, received = f"receive_{market.base}", coin(order.received)
    else:
        receive_key, received = (
            f"receive_{_quote_word(market)}",
            _quote_text(market, order.received),
        )
    return {
        "order_id": str(order.order_id),
        "price": plain(order.shown_price),
        "type": order.side,
        f"order_{sized_as}": ordered,
        f"remain_{sized_as}": left,
        "submit_time": str(order.submit_ms // 1000),
        "finish_time": str(order.finish_ms // 1000),
        "status": order.status,
        receive_key: received,
        "client_order_id": order.client_order_id,
    }


def cancel_order(sim: Simulator, account: Account, params: Params) -> web.Response:
    market = _market(sim, params)
    side = params.get("type")
    if side not in ("buy", "sell"):
        raise Rejected("type is required: buy or sell", "")
    if not _cancel_allowed(sim, account):
        return _too_many_cancels()
    order = sim.engine.find(account.key, params.get("order_id", ""))
    if order.market != market or order.side != side:
        raise OrderNotFound
    return _cancel(sim, account, order)


def cancel_by_client_order_id(sim: Simulator, account: Account, params: Params) -> web.Response:
    if not _cancel_allowed(sim, account):
        return _too_many_cancels()
    order = sim.engine.find_by_client_id(account.key, params.get("client_order_id", ""))
    return _cancel(sim, account, order)


def _cancel_allowed(sim: Simulator, account: Account) -> bool:
    """Every cancel request counts, found or not: the limit is on requests."""
    return sim.cancel_throttle.allow(account.key, sim.clock())


def _too_many_cancels() -> web.Response:
    return failure("Your User ID sent too many cancel order requests", "too_many_requests", 429)


def _cancel(sim: Simulator, account: Account, order: Order) -> web.Response:
    sim.engine.cancel(order)
    market = order.market
    return success(
        {
            "order_id": order.order_id,
            "client_order_id": order.client_order_id,
            "type": order.side,
            "pair": market.pair.ticker_id,
            "balance": {
                market.quote: _quote_text(market, account.balance[market.quote]),
                market.base: coin(account.balance[market.base]),
                f"frozen_{market.quote}": _quote_text(market, account.hold[market.quote]),
                f"frozen_{market.base}": coin(account.hold[market.base]),
            },
        }
    )


def trans_history(sim: Simulator, account: Account, params: Params) -> web.Response:
    """Coin deposits made through `/_sim/deposit` (no withdrawals happen here); the date
    rules are the exchange's."""
    today = dt.datetime.fromtimestamp(sim.now(), dt.UTC).date()
    try:
        end = dt.date.fromisoformat(params["end"]) if params.get("end") else today
        start = (
            dt.date.fromisoformat(params["start"])
            if params.get("start")
            else end - dt.timedelta(days=MAX_HISTORY_DAYS)
        )
    except ValueError:
        raise Rejected("date format must be formatted yyyy-mm-dd", "invalid_date") from None
    if start > end:
        raise Rejected("start date must be less then end date", "invalid_date")
    if (end - start).days > MAX_HISTORY_DAYS:
        raise Rejected("range date can't more than 7 days", "invalid_date")
    currencies = sim.catalog.currencies()
    deposits: dict[str, list[dict[str, Any]]] = {code: [] for code in currencies}
    for arrived in account.deposits:
        day = dt.datetime.fromtimestamp(arrived.time, dt.UTC).date()
        if start <= day <= end:
            deposits[arrived.currency].append(_deposit_row(arrived))
    return success({"withdraw": {code: [] for code in currencies}, "deposit": deposits})


def _deposit_row(arrived: Deposit) -> dict[str, Any]:
    """As the exchange's sample: the coins under the coin's own name, times as strings."""
    return {
        "status": "success",
        "type": "deposit",
        arrived.currency: coin(arrived.amount),
        "amount": coin(arrived.amount),
        "deposit_id": arrived.deposit_id,
        "submit_time": str(arrived.time),
        "success_time": str(arrived.time),
        "tx": f"sim-{arrived.deposit_id}",
    }


def withdraw_fee(sim: Simulator, account: Account, params: Params) -> web.Response:
    asset = sim.catalog.assets.get(params.get("currency", "").lower())
    if asset is None or asset.withdraw_fee is None:
        raise Rejected("Invalid currency", "")
    return success(
        {
            "server_time": sim.now(),
            "withdraw_fee": number(asset.withdraw_fee),
            "currency": asset.code,
        }
    )


@dataclass(frozen=True)
class Method:
    handler: Callable[[Simulator, Account, Params], web.Response]
    permission: str  # view | trade | withdraw


METHODS = {
    "getInfo": Method(get_info, "view"),
    "transHistory": Method(trans_history, "view"),
    "openOrders": Method(open_orders, "view"),
    "getOrder": Method(get_order, "view"),
    "getOrderByClientOrderId": Method(get_order_by_client_order_id, "view"),
    "trade": Method(trade, "trade"),
    "cancelOrder": Method(cancel_order, "trade"),
    "cancelByClientOrderId": Method(cancel_by_client_order_id, "trade"),
    "withdrawFee": Method(withdraw_fee, "withdraw"),
}
