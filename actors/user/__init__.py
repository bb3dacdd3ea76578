"""One user's actor and what it is made of: account, orders, alerts, paper book, strategy host."""
