"""Everything a person reads, in one place per audience: the ground for a second language.

- ``musician``: messages and alerts a musician gets; ``musician_screens``: their dialogs.
- ``owner``: news, digests and command answers for a room's owner; ``owner_screens``:
  the ``/owner`` dialogs and the files they send.
- ``refusals``: what a refused request (``domain.errors``) says, to whoever asked.
- ``invoice``: the words on the invoice PDF; ``pages``: the browser pages of the payment
  callback and the sandbox.
- ``formats``: one formatter per concept (money, a day, a span, a moment with its zone,
  a count with its noun, a user link); ``statuses`` and ``hours``: names of states,
  weekdays and opening hours.

Every message is a function or constant with a stable name, whose parameters are the
facts it tells (a booking, a room, a count), never English fragments made elsewhere:
a translator adds a language here, not in the handlers. Pure functions, no I/O; the
facts they read are ``facts``' protocols, which storage's documents satisfy, so the
words import nothing from storage and every layer above may use them.

This package imports none of its modules: ``domain.slots`` and ``domain.refund`` use
``hours``, which imports nothing of ours, while the rest import those modules."""
