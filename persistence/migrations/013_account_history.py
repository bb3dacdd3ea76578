"""A live account's history as the exchange keeps it, imported so /portfolio and /pnl can
say what the coins cost and what the sales made (issue 13):

- `account_trades`: every trade of the account on an IDR market (the v2 myTrades rows, the
  bot's own orders' among them), once per (user, pair, trade id);
- `account_transfers`: coins deposited or withdrawn (transHistory), once per (user,
  direction, currency, id); `cost` is what the user says deposited coins cost, NULL while
  unknown (never guessed);
- `history_cursors`: how far each source (a pair's trades, the transfers) has been read,
  back and forth, so an import resumes where it stopped and later ones read only what is new.
- `users.cost_method`: average or fifo, the user's choice for their profit and loss (NULL:
  average, so rows from before need no value).

Frozen like every migration: the foreign keys point at the tables as the earlier
migrations left them (`migrator.orm`).
"""

import peewee as pw
from peewee_migrate import Migrator


def _money(**kwargs: object) -> pw.DecimalField:
    return pw.DecimalField(max_digits=38, decimal_places=18, auto_round=False, **kwargs)


def migrate(migrator: Migrator, database: pw.Database, *, fake: bool = False) -> None:
    user_model = migrator.orm["users"]
    migrator.add_fields("users", cost_method=pw.CharField(max_length=8, null=True))

    @migrator.create_model
    class AccountTrade(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        user = pw.ForeignKeyField(
            column_name="user_id", field="id", model=user_model, on_delete="CASCADE"
        )
        pair = pw.CharField(max_length=32)
        trade_id = pw.CharField(max_length=64)
        order_id = pw.CharField(max_length=64)
        client_order_id = pw.CharField(max_length=64, null=True)
        side = pw.CharField(max_length=4)
        price = _money()
        quantity = _money()
        quote_quantity = _money()
        commission = _money()
        commission_asset = pw.CharField(max_length=16)
        is_maker = pw.BooleanField()
        time = pw.DateTimeField()

        class Meta:
            table_name = "account_trades"
            indexes = ((("user", "pair", "trade_id"), True), (("user", "time"), False))

    @migrator.create_model
    class AccountTransfer(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        user = pw.ForeignKeyField(
            column_name="user_id", field="id", model=user_model, on_delete="CASCADE"
        )
        direction = pw.CharField(max_length=10)
        currency = pw.CharField(max_length=16)
        transfer_id = pw.CharField(max_length=64)
        amount = _money()
        fee = _money()
        cost = _money(null=True)
        time = pw.DateTimeField()

        class Meta:
            table_name = "account_transfers"
            indexes = ((("user", "direction", "currency", "transfer_id"), True),)

    @migrator.create_model
    class HistoryCursor(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        user = pw.ForeignKeyField(
            column_name="user_id", field="id", model=user_model, on_delete="CASCADE"
        )
        source = pw.CharField(max_length=32)
        back = pw.DateTimeField()
        front = pw.DateTimeField()
        horizon = pw.DateTimeField()

        class Meta:
            table_name = "history_cursors"
            indexes = ((("user", "source"), True),)


def rollback(migrator: Migrator, database: pw.Database, *, fake: bool = False) -> None:
    migrator.remove_model("history_cursors")
    migrator.remove_model("account_transfers")
    migrator.remove_model("account_trades")
    migrator.remove_fields("users", "cost_method")
