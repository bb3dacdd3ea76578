"""Make Thespian listen only where we say.

Thespian 4.0.1 binds every externally reachable actor socket to '' (all interfaces);
THESPIAN_BASE_IPADDR only changes the address it advertises. Its messages are pickles on
plain TCP, so an actor port open on a public interface lets anyone run code beside the
decrypted API keys. We bind each socket to the configured address instead. Actor
processes are forked from the process that starts the system, so they inherit this.
"""

from __future__ import annotations

import os

from thespian.system.transport.IPBase import IPActorAddress

_original_init = IPActorAddress.__init__


def bind_transport_to(address: str) -> None:
    os.environ["THESPIAN_BASE_IPADDR"] = address
    if getattr(IPActorAddress, "_indodax_bound", None) == address:
        return

    def bound_init(self: IPActorAddress, *args: object, **kwargs: object) -> None:
        _original_init(self, *args, **kwargs)
        if self.bindname[0] == "":
            self.bindname = (address, self.bindname[1])

    IPActorAddress.__init__ = bound_init  # type: ignore[method-assign]
    IPActorAddress._indodax_bound = address  # type: ignore[attr-defined]
