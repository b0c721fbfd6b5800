"""A piece one app adds to another app's page: a template and the selector that fills it.

The registries that hold them (dashboard panels, home cards, doctor page sections) decide
where a piece shows; this is what they share: order, and filling a piece with its context.
``{% render_contribution %}`` renders a filled piece.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Contribution:
    key: str
    template: str
    selector: Callable | None = None  # keyword arguments the page passes -> dict for the template
    order: int = 50

    def filled(self, **selector_kwargs) -> dict:
        """``{"key", "template", "context"}``: the context is what the selector computed (one fixed set of queries)."""
        context = self.selector(**selector_kwargs) if self.selector else {}
        return {"key": self.key, "template": self.template, "context": context}


def in_order(pieces: Iterable[Contribution]) -> list:
    """The pieces by their order, then key, so a page shows them the same way every time."""
    return sorted(pieces, key=lambda piece: (piece.order, piece.key))
