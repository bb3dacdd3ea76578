"""Backtests: a strategy's own code replayed over Indodax candles, with the pair's order
rules, its fees and the tax on sales, and a fill model that gives the strategy the benefit
of no doubt. `run_backtest(BacktestSetup) -> BacktestResult` (replay.py) is the whole
interface; bin/backtest prints one.

The replay host (replay_host.py) is the strategy's context, as a user's actor is live; the
replay exchange (replay_exchange.py) checks, fills and charges its orders; the path a
candle is walked along and when its orders may fill are in candle_path.py.
"""
