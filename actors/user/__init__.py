"""One user's actor (user_actor.py, a thin dispatcher) and the plain parts it is made of:
account, market, portfolio, alerts, preferences, paper book, order desk and tracker, open
orders, strategy host; parts.py wires them."""
