"""The one CSV writer: text a spreadsheet would run as a formula is written as text; numbers stay numbers."""

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.utils.translation import gettext_lazy

from healthstack.csvexport import csv_cell, csv_response

HOSTILE = ["=1+2", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "=1+2|cmd@example.test"]


def read(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.mark.parametrize("text", HOSTILE)
def test_text_a_spreadsheet_would_run_gets_a_quote_in_front(text):
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Paracetamol", "", "a=b", " =1", "2026-03-10", "'=already"])
def test_other_text_is_left_alone(value):
    assert csv_cell(value) == value


@pytest.mark.parametrize("number", [-5, 0, 7, Decimal("-5.00"), Decimal("12.50"), -0.5, True, None])
def test_numbers_are_data_and_pass_through_untouched(number):
    assert csv_cell(number) is number


def test_lazy_text_and_other_objects_are_written_as_their_text_and_checked():
    class Odd:
        def __str__(self):
            return "-cmd"

    assert csv_cell(gettext_lazy("Brand name")) == "Brand name"
    assert csv_cell(Odd()) == "'-cmd"


def test_response_streams_every_row_neutralised_with_its_file_name():
    response = csv_response(iter([("Name", "Amount"), ("=HYPERLINK(1)", Decimal("-5.00")), ("\r@x", -3)]),
                            filename="stock-dhaka-2026-03-10.csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="stock-dhaka-2026-03-10.csv"'
    assert read(response) == [["Name", "Amount"], ["'=HYPERLINK(1)", "-5.00"], ["'\r@x", "-3"]]


def test_no_other_code_writes_csv():
    root = Path(settings.BASE_DIR)
    writers = [
        str(path.relative_to(root)) for path in root.rglob("*.py")
        if not {".venv", "tests", "node_modules"} & set(path.relative_to(root).parts)
        and re.search(r"csv\.(writer|DictWriter)\(|text/csv", path.read_text(encoding="utf-8"))
    ]
    assert writers == ["healthstack/csvexport.py"]
