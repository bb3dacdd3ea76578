"""Everything that talks to Indodax: pair spelling and rules, REST and TAPI clients,
the WebSocket market feed, and the error table. Exact to the wire."""
