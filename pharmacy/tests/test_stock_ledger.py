"""The stock ledger has one writer: only ``pharmacy/services/stock.py`` moves stock.

Any other module of the pharmacy (migrations and tests aside) that appends a StockMovement,
makes a StockBatch or changes a batch's ``quantity_on_hand`` / ``quantity_reserved`` would
bypass the ledger's locks and its balance with the batches (``selectors.assert_ledger_balanced``).
"""

import ast
from pathlib import Path

from healthstack.testing import attribute_stores

PHARMACY = Path(__file__).resolve().parent.parent
WRITER = Path("services/stock.py")
COUNTS = {"quantity_on_hand", "quantity_reserved"}
LEDGER_MODELS = {"StockMovement", "StockBatch"}
CREATES = {"create", "bulk_create", "get_or_create", "update_or_create"}
KEYWORD_WRITES = CREATES | {"update"}
FIELD_LIST_WRITES = {"save", "bulk_update"}


def _root_name(node: ast.AST) -> str:
    """The name a chain such as ``StockMovement.objects.filter(...).create`` starts from."""
    while isinstance(node, ast.Attribute | ast.Call):
        node = node.value if isinstance(node, ast.Attribute) else node.func
    return getattr(node, "id", "")


def _names_counts(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value in COUNTS


def _call_writes(node: ast.Call) -> str:
    name = getattr(node.func, "id", getattr(node.func, "attr", ""))
    keywords = {k.arg for k in node.keywords}
    if isinstance(node.func, ast.Name) and name in LEDGER_MODELS:
        return f"{name}(...)"
    if isinstance(node.func, ast.Attribute) and name in CREATES and _root_name(node.func) in LEDGER_MODELS:
        return f"{_root_name(node.func)}.objects.{name}(...)"
    if name in KEYWORD_WRITES and keywords & COUNTS:
        return f"{name}({', '.join(sorted(keywords & COUNTS))}=...)"
    if name == "setattr" and any(_names_counts(a) for a in node.args):
        return "setattr(..., 'quantity_...', ...)"
    lists = [a for a in [*node.args, *(k.value for k in node.keywords)] if isinstance(a, ast.List | ast.Tuple)]
    if name in FIELD_LIST_WRITES and any(_names_counts(e) for a in lists for e in a.elts):
        return f"{name}(..., ['quantity_...'])"
    return ""


def ledger_writes(source: str) -> list[tuple[int, str]]:
    """``(line, what)`` for each write to the stock ledger in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        found += [(line, f".{attr} assigned") for line, attr in attribute_stores(node, COUNTS)]
        if isinstance(node, ast.Call) and (what := _call_writes(node)):
            found.append((node.lineno, what))
    return sorted(set(found))


def _pharmacy_sources() -> list[Path]:
    return sorted(path.relative_to(PHARMACY) for path in PHARMACY.rglob("*.py")
                  if not {"tests", "migrations"} & set(path.relative_to(PHARMACY).parts))


def test_stock_ledger_has_one_writer():
    sources = _pharmacy_sources()
    assert WRITER in sources and Path("services/orders.py") in sources
    assert ledger_writes((PHARMACY / WRITER).read_text()), "the check no longer sees the ledger's own writes"
    offenders = [f"pharmacy/{relative}:{line}: {what}"
                 for relative in sources if relative != WRITER
                 for line, what in ledger_writes((PHARMACY / relative).read_text())]
    assert offenders == [], "Move stock only through pharmacy.services.stock:\n" + "\n".join(offenders)


def test_the_ledger_check_catches_each_kind_of_write():
    samples = {
        "StockMovement.objects.create(batch=batch, quantity=5)": 1,
        "StockMovement.objects.bulk_create(rows)": 1,
        "StockMovement(batch=batch, quantity=5).save()": 1,
        "StockBatch.objects.create(medicine=medicine, quantity_received=5)": 1,
        "batch.quantity_on_hand = 5": 1,
        "batch.quantity_reserved += 1": 1,
        "batch.quantity_on_hand, other = 5, 6": 1,
        "setattr(batch, 'quantity_reserved', 0)": 1,
        "StockBatch.objects.filter(pk=1).update(\n    quantity_on_hand=F('quantity_on_hand') - 1)": 1,
        "StockBatch.objects.bulk_update(rows, ['quantity_reserved'])": 1,
        "batch.save(update_fields=['quantity_on_hand'])": 1,
        "StockMovement.objects.filter(batch=batch).order_by('at')": 0,
        "StockBatch.objects.filter(quantity_on_hand__gt=0).values('pk')": 0,
        "free = batch.quantity_on_hand - batch.quantity_reserved": 0,
        "Medicine.objects.create(generic_name='Paracetamol')": 0,
        "line.save(update_fields=['quantity_dispensed'])": 0,
    }
    for source, expected in samples.items():
        assert len(ledger_writes(source)) == expected, source
